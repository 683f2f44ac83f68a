# drive pages (nb)
drive-title = Filer
drive-personal = Mine filer
drive-kind-personal = Personlig
drive-kind-team = Fellesområde
drive-yours = Dine områder
drive-nav = Filmeny
drive-all = Alle områder
drive-breadcrumbs = Du er her
drive-role-owner = Eier
drive-role-editor = Kan redigere
drive-role-viewer = Kan se
drive-col-name = Navn
drive-col-kind = Type
drive-col-level = Klassifisering
drive-col-role = Din tilgang
drive-col-size = Størrelse
drive-col-modified = Endret
drive-col-actions = Handlinger
drive-col-path = Sti
drive-col-deleted = Slettet
drive-col-by = Av
drive-col-replaced = Erstattet
drive-col-place = Hvor
drive-col-detail = Detaljer

drive-banner = { $level }: { $who }. { $rules }.
drive-banner-mfa = For å åpne innholdet må du logge inn med to faktorer.
drive-who-personal = bare du og de du deler med
drive-who-team = bare medlemmer av { $members }
drive-who-team-none = bare medlemmene av dette området
drive-rule-share-any = deling er tillatt, også utenfor { $org }
drive-rule-share-federated = deling utenfor { $org } bare med tilknyttede kommuner
drive-rule-share-none = ingen deling utenfor { $org }
drive-rule-guests = gjester er tillatt
drive-rule-no-guests = ingen gjester
drive-rule-links = lenker er tillatt
drive-rule-no-links = ingen lenker
drive-rule-mail = e-post ut er tillatt
drive-rule-mail-warn = e-post ut bare etter en advarsel
drive-rule-no-mail = ingen e-post ut

drive-contents = Innhold
drive-empty = Denne mappen er tom.
drive-folder = (mappe)
drive-manage = Mer for { $name }
drive-refused = Ikke utført: { $reason }
drive-done-uploaded = Lastet opp.
drive-done-folder = Mappen er opprettet.
drive-done-deleted = Flyttet til papirkurven.
drive-done-moved = Flyttet.
drive-done-restored = Gjenopprettet.
drive-done-version = Den tidligere versjonen er gjeldende igjen.
drive-err-quota = Området er fullt: { $needed } mer trengs, { $available } ledig.
drive-err-exists = Det finnes allerede noe som heter { $name } her.
drive-err-upload-broken = Opplastingen ble avbrutt; ikke noe mer ble lagret.
drive-err-file = { $name }: { $reason }
drive-err-date = Utløpsdatoen er ikke en gyldig dato.
drive-err-no-person = Velg en person først.

drive-upload = Last opp filer
drive-upload-choose = Velg filer
drive-upload-hint = Du kan også dra filer hit.
drive-upload-submit = Last opp
drive-js-uploading = Laster opp { $name }
drive-js-done = { $name } er lastet opp.
drive-js-failed = { $name } ble ikke lastet opp:
drive-js-resuming = Fortsetter med { $name } etter et avbrudd
drive-js-all-done = Alle filene er lastet opp. Oppdaterer listen.
drive-mkdir = Ny mappe
drive-mkdir-name = Navn på mappen
drive-mkdir-submit = Opprett mappe
drive-trash-link = Papirkurv
drive-trash-title = Papirkurven i { $drive }
drive-trash-empty = Papirkurven er tom.
drive-restore = Gjenopprett { $name }
drive-back = Tilbake
drive-open = Åpne
drive-download = Last ned
drive-versions = Tidligere versjoner
drive-versions-title = Versjoner av { $name }
drive-versions-current = Gjeldende versjon: endret { $modified }, { $size }.
drive-versions-none = Det finnes ingen tidligere versjoner.
drive-version-restore = Gjenopprett versjonen fra { $when }
drive-share = Del
drive-rename = Gi nytt navn
drive-rename-name = Nytt navn
drive-rename-submit = Gi nytt navn
drive-move = Flytt
drive-move-dest = Målmappe
drive-move-hint = En mappe i dette området, for eksempel /Saker/2026.
drive-move-submit = Flytt
drive-delete = Slett
drive-delete-hint = Slettede elementer havner i papirkurven og kan gjenopprettes derfra.
drive-delete-submit = Flytt { $name } til papirkurven

drive-shared-title = Delt med meg
drive-shared-empty = Ingenting er delt med deg.
drive-shared-by = Delt av { $who }; { $role }
drive-search-title = Søk i filer
drive-search-label = Navn på fil eller mappe
drive-search-submit = Søk
drive-search-none = Fant ingen filer.
drive-results = Treff

drive-share-title = Del { $name }
drive-share-person = Del med en person
drive-share-find = Finn en person
drive-share-find-hint = Skriv et navn eller en e-postadresse. Bare personer du kan dele med, blir foreslått.
drive-share-search = Finn
drive-share-nobody = Fant ingen.
drive-share-pick = Velg en person
drive-share-role = Tilgang
drive-share-submit = Del
drive-share-made = Delt med { $who }.
drive-share-link = Lag en lenke
drive-link-mode = Lenken lar andre
drive-link-view = se
drive-link-upload = laste opp til denne mappen
drive-link-expires = Utløper (valgfritt)
drive-link-expires-hint = Lenken slutter å virke ved slutten av denne dagen.
drive-link-password = Passord (valgfritt)
drive-link-password-hint = Gi passordet til mottakerne på annen måte.
drive-link-submit = Lag lenke
drive-share-link-made = Lenken er laget:
drive-share-link-once = Kopier den nå; den vises bare én gang.
drive-share-a-link = En lenke
drive-share-existing = Dine delinger av dette elementet
drive-share-search-first = Skriv et navn over og velg Finn.
drive-js-suggestions = Forslag: { $count }
# The organisation's quota (all its drives together), set by the operator.
drive-err-tenant-quota = { $tenant } har brukt opp sine { $quota } lagringsplass: { $needed } mer trengs, { $available } ledig. Tøm papirkurven eller be en administrator om mer plass.

# Names and writes the drive refuses: the service's sentences (ids in
# suveren_service::messages) and the store's preconditions.
err-name-invalid = «{ $name }» kan ikke brukes som navn.
drive-err-name-empty = Navnet kan ikke være tomt.
err-name-chars = Et navn kan ikke inneholde / eller \ eller kontrolltegn.
err-name-too-long = Navnet er for langt: høyst 255 tegn (færre med bokstaver som æ, ø og å).
err-path-too-long = Stien er for lang (høyst 4096 byte).
err-root-delete = Den øverste mappen i et område kan ikke slettes.
err-root-move = Den øverste mappen i et område kan ikke flyttes eller erstattes.
err-storage-full = Serverens lagringsplass er full; ingenting ble lagret. Si fra til driftsoperatøren.
drive-err-no-parent = Mappen { $folder } finnes ikke (lenger).
drive-err-not-folder = { $name } er ikke en mappe.
drive-err-missing = { $name } finnes ikke (lenger).
drive-err-is-folder = { $name } er en mappe.
drive-err-changed = { $name } er endret siden du åpnet den. Last siden på nytt og prøv igjen.
drive-err-into-itself = En mappe kan ikke flyttes eller kopieres inn i seg selv.
drive-err-restore-parent = Mappen som { $name } lå i, finnes ikke lenger. Gjenopprett den mappen først.

# Drive tasks: copy, classification, shares and links with revocation,
# "shared by me", deleting from the trash for good.
drive-done-copied = Kopiert.
drive-done-level = Klassifiseringen er endret.
drive-done-purged = Slettet for godt.
drive-done-emptied = Papirkurven er tømt.
drive-done-revoked = Delingen er avsluttet.
drive-err-level = Velg en klassifisering.
drive-dest-drive = Målområde
drive-declassify = Senk den til målmappens klassifisering hvis den er lavere
drive-declassify-hint = Bare eiere kan gjøre dette, og det føres i revisjonsloggen. Uten dette flyttes eller kopieres innhold aldri til en lavere klassifisering.
drive-copy = Kopier
drive-copy-name = { $name } (kopi)
drive-copy-name-label = Navn på kopien
drive-copy-submit = Kopier
drive-level = Klassifisering
drive-level-now = Dette elementet er klassifisert som { $level }.
drive-level-raise-hint = Alle som kan redigere det, kan heve klassifiseringen. Hevingen virker straks: lenker til det slutter å virke, delinger det nye nivået ikke tillater, gir ikke lenger tilgang, og alt i en mappe heves sammen med den.
drive-level-lower-hint = Bare en eier kan senke den, aldri under mappen den ligger i; senkingen føres i revisjonsloggen.
drive-level-choose = Ny klassifisering
drive-level-current = (nå)
drive-level-submit = Endre klassifisering
drive-col-with = Delt med
drive-col-access = Tilgang
drive-col-expires = Utløper
drive-col-created = Delt
drive-col-created-by = Delt av
drive-share-current = Delinger og lenker for dette elementet
drive-share-none = Dette elementet er ikke delt og har ingen lenker.
drive-share-revoke-hint = Å avslutte en deling eller en lenke virker straks.
drive-share-a-link-password = En lenke med passord
drive-share-no-expiry = Utløper ikke
drive-share-revoke = Avslutt delingen med { $who }
drive-share-revoke-link = Avslutt lenken fra { $created }
drive-mine-title = Delt av meg
drive-mine-empty = Du har ikke delt noe.
drive-mine-intro = Alt du har delt med andre eller med lenke.
drive-purge-link = Slett { $name } for godt …
drive-empty-heading = Tøm papirkurven
drive-purge-hint = Å slette for godt kan ikke angres. Innhold under rettslig båndlegging eller med minste oppbevaringstid blir liggende.
drive-empty-link = Tøm papirkurven …
drive-purge-title = Slette { $name } for godt?
drive-empty-title = Tømme papirkurven i { $drive }?
drive-purge-warning = Dette kan ikke angres: det som står her, med tidligere versjoner, slettes for godt og kan ikke lenger gjenopprettes.
drive-purge-total = { $count ->
    [one] Ett element
   *[other] { $count } elementer
}, { $size } til sammen
drive-purge-submit = Slett { $name } for godt
drive-empty-submit = Slett alt i papirkurven for godt
drive-purge-cancel = Avbryt og gå tilbake til papirkurven
drive-empty-partly = { $count ->
    [one] Ett element ble slettet for godt.
   *[other] { $count } elementer ble slettet for godt.
}
drive-empty-kept = { $count ->
    [one] Ett element må beholdes:
   *[other] { $count } elementer må beholdes:
}

# Delte lenker slik mottakerne ser dem (/l/{token}), uten konto.
link-dead-title = Denne lenken virker ikke (lenger)
link-dead-text = Lenken kan ha utløpt eller blitt trukket tilbake, eller adressen er ikke fullstendig.
link-dead-hint = Be den som sendte deg lenken, om en ny.
link-password-title = Delt med passord
link-password-intro = Den som delte dette, har beskyttet lenken med et passord. Du skal ha fått passordet på annen måte.
link-password-label = Passord
link-password-submit = Åpne
link-password-wrong = Passordet stemmer ikke. Sjekk det med den som sendte deg lenken.
link-password-empty = Skriv inn passordet for å åpne lenken.
link-expires = Lenken virker til { $when }.
link-no-expiry = Lenken har ingen utløpsdato.
link-upload-title = Send filer til { $name }
link-upload-heading = Send filer
link-upload-intro = Filene du sender, havner i denne mappen. Du kan ikke se hva som ligger der, og en fil med samme navn som en som allerede finnes, blir avvist.
link-upload-choose = Velg filer
link-upload-submit = Send
link-upload-none = Velg minst én fil å sende.
link-sent = { $count ->
    [one] Én fil er mottatt. Takk!
   *[other] { $count } filer er mottatt. Takk!
}
link-file-heading = Den delte filen
link-col-name = Navn
link-col-size = Størrelse
link-col-modified = Endret
link-download = Last ned { $name }
link-folder-heading = Filer i mappen
link-folder-empty = Mappen er tom.
link-folder = mappe
