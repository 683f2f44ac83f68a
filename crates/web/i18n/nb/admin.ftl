# admin pages (nb)
