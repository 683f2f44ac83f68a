# settings pages (nb)
