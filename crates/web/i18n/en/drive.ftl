# drive pages (en)
