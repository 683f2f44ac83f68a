# drive pages (sv)
