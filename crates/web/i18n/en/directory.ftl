# directory pages (en)
