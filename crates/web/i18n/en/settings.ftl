# settings pages (en)
