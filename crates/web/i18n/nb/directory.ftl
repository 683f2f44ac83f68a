# directory pages (nb)
