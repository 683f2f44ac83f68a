# drive pages (nb)
