# One person or account in the tenant administration: edit, disable, delete, password reset, GDPR export and erasure.

pr-breadcrumbs = Du er her
pr-title = Konto: { $name }
pr-title-gone = Kontoen er fjernet
pr-back = Tilbake til personer og kontoer
pr-details = Det katalogen har om kontoen
pr-is-me = Dette er din egen konto.
pr-state = Status
pr-state-active = Aktiv
pr-state-disabled = Deaktivert: kan ikke logge inn
pr-mfa = Tofaktor
pr-mfa-on = Autentiseringsapp er registrert
pr-mfa-off = Ikke registrert
pr-email = E-postadresse
pr-edit = Endre kontoen
pr-attributes = Egenskaper
pr-attributes-hint = Én per linje, som navn = verdi. Segmenter kan velge personer etter dem.
pr-kind-fixed = Kontotypen ({ $kind }) kan ikke endres; opprett en ny konto for en annen type.
pr-ok-edited = Endringene ble lagret.
pr-bad-attribute = Linje { $line } i egenskapene mangler «=»; skriv navn = verdi.

pr-access = Tilgang
pr-disable = Deaktiver kontoen
pr-disable-intro = Personen kan ikke lenger logge inn, og alle økter og enheter personen er logget inn med, avsluttes straks. Filene blir værende.
pr-disable-named = Deaktiver { $name }
pr-enable = Aktiver kontoen
pr-enable-intro = Kontoen er deaktivert. Aktiveres den igjen, kan personen logge inn med passordet sitt som før.
pr-enable-named = Aktiver { $name }
pr-ok-disabled = Kontoen er deaktivert; øktene er avsluttet.
pr-ok-enabled = Kontoen er aktivert igjen.
pr-password = Tilbakestill passordet
pr-password-intro = Setter et nytt passord og avslutter alle økter for kontoen. App-passord virker til de trekkes tilbake.
pr-password-field = Nytt passord (valgfritt)
pr-password-hint = Minst 12 tegn. La stå tomt for å få laget et passord som vises én gang.
pr-password-submit = Tilbakestill passordet
pr-ok-password = Passordet er tilbakestilt; alle økter for kontoen er avsluttet.
pr-password-new = Det nye passordet for { $login }:
pr-password-once = Det vises bare nå. Gi det til personen på en trygg måte, og be vedkommende bytte det etter innlogging.

pr-gdpr = Personopplysninger (GDPR)
pr-export = Eksport (rett til innsyn og dataportabilitet)
pr-export-intro = En ZIP-fil med kontoen, delinger, økter, innlogginger og en oversikt (manifest). Filnavn og innhold tas bare med når du har en gyldig innsynstilgang (lockbox); ellers står det i oversikten hva som er holdt tilbake og hvorfor.
pr-export-link = Last ned dataene til { $login } (ZIP)
pr-erase = Sletting (retten til sletting, art. 17)
pr-erase-intro = Sletter den personlige lagringen, delinger, økter, app-passord, passordet og selve kontoen, bortsett fra det en rettslig båndlegging eller en minste oppbevaringstid krever at blir værende. Revisjonsloggen slettes aldri. Vis først hva som ville skje: det endrer ingenting.
pr-confirm-label = Skriv brukernavnet { $login } for å bekrefte
pr-erase-confirm-hint = Trengs ikke for å vise hva som ville skje.
pr-erase-preview = Vis hva som ville bli slettet og beholdt
pr-erase-submit = Slett { $login } for godt
pr-confirm-mismatch = Bekreftelsen stemmer ikke. Skriv brukernavnet { $login } nøyaktig for å bekrefte.
pr-ok-erased = { $login } er slettet. Det som måtte beholdes, står nedenfor med begrunnelse.
pr-erase-report-dry = Prøvekjøring: hva sletting av { $login } ville gjort
pr-erase-report-done = Sletting av { $login }
pr-erase-nothing-changed = Ingenting ble endret.
pr-erase-erased = Slettet
pr-erase-kept = Beholdt, og hvorfor
pr-erase-kept-none = Ingenting måtte beholdes.
pr-erase-kept-caption = Elementer som beholdes på grunn av rettslig båndlegging eller oppbevaringsregel
pr-kept-col-item = Element
pr-kept-col-size = Størrelse
pr-kept-col-why = Hvorfor det beholdes
pr-kept-trashed = i papirkurven
pr-kept-hold = Rettslig båndlegging, sak { $case }, siden { $since }
pr-kept-min = Oppbevaringsregelen for { $level }: beholdes til { $until }
pr-erase-notes = Slettes ikke, med vilje
pr-erased-files = Filer
pr-erased-folders = Mapper
pr-erased-versions = Tidligere versjoner
pr-erased-trash = Elementer i papirkurven
pr-erased-bytes = Data
pr-erased-shares = Delinger og lenker
pr-erased-sessions = Økter
pr-erased-app-passwords = App-passord
pr-erased-credential = Passord og tofaktor
pr-erased-record = Selve kontoen

pr-delete = Slett kontoen
pr-delete-intro = Fjerner kontoen, passordet, øktene og app-passordene. Filene slettes ikke: bruk sletting etter GDPR til det.
pr-delete-submit = Slett { $login }
pr-ok-deleted = Kontoen { $login } ble slettet.

pr-self-export = Last ned dataene mine
pr-self-export-intro = Alt Suveren har om deg (GDPR art. 15 og 20): filene dine, kontoen, delinger, økter, app-passord (uten hemmeligheter) og revisjonsloggens oppføringer om deg, som én ZIP-fil med en oversikt.
pr-self-export-link = Last ned dataene mine (ZIP)
# Erasure report without a lockbox grant: kept files counted, not named.
pr-erase-names-withheld = Filnavn er innhold: en administrator ser dem bare med et godkjent innsyn (lockbox) som gjelder nå. Filene som beholdes, telles derfor per område.
pr-erase-counted-caption = Filer som beholdes, talt per område (navn holdt tilbake)
pr-kept-col-drive = Område
pr-kept-col-files = Filer
pr-kept-counted-trashed = { $count } i papirkurven
