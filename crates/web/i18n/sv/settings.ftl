# settings pages (sv)
