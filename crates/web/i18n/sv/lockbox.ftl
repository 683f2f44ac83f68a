# lockbox pages (sv)
