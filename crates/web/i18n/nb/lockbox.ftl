# lockbox pages (nb)
