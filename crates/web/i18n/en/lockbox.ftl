# lockbox pages (en)
