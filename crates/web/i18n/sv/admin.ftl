# admin pages (sv)
