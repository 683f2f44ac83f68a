# directory pages (sv)
