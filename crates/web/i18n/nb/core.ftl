# Suveren, nettgrensesnitt, norsk bokmål.

app-name = Suveren
skip-to-content = Hopp til innholdet
nav-main = Hovedmeny
nav-home = Hjem
nav-drive = Filer
nav-directory = Personer
nav-lockbox = Innsyn (lockbox)
nav-settings = Innstillinger
nav-admin = Administrasjon
nav-operator = Drift
nav-audit = Logg
language = Språk
language-choose = Bytt språk
signed-in-as = Logget inn som { $name }
sign-out = Logg ut

signin-title = Logg inn
signin-intro = Logg inn med jobbkontoen din.
signin-login = Brukernavn
signin-login-hint = Som regel e-postadressen din, for eksempel kari.nordmann@kommune.no
signin-password = Passord
signin-totp = Kode fra autentiseringsappen
signin-totp-hint = Seks sifre. La feltet stå tomt hvis du ikke har satt opp en autentiseringsapp.
signin-submit = Logg inn
signin-oidc = Logg inn med kommunens pålogging
signin-oidc-org = Logg inn med { $org }
signin-failed = Innloggingen mislyktes: { $reason }
signin-expired = Økten din er avsluttet. Logg inn igjen for å fortsette.

home-title = Hjem
home-welcome = Velkommen, { $name }
home-drives = Dine områder
home-notices = Innsyn i ditt innhold
home-no-notices = Ingen har fått innsyn i innholdet ditt.
home-tasks = Venter på deg
home-pending = { $count ->
    [one] Én innsynsforespørsel venter på din vurdering.
   *[other] { $count } innsynsforespørsler venter på din vurdering.
}

error-title = Noe gikk galt
error-not-found = Ikke funnet. Det finnes ikke, eller du har ikke tilgang.
error-denied = Ikke tillatt: { $reason }
error-form = Skjemaet kunne ikke leses: { $reason }
error-csrf = Skjemaet var utløpt. Gå tilbake, last siden på nytt og prøv igjen.
error-back = Til startsiden

level-banner = { $level }: { $text }

# Why signing in failed: the service's sentences (ids in
# suveren_service::messages; the API answers them in English) and the
# sign-in's own.
err-wrong-password = Feil brukernavn eller passord.
err-wrong-totp = Feil kode fra autentiseringsappen, eller en kode som alt er brukt.
err-wrong-recovery = Feil gjenopprettingskode, eller en kode som alt er brukt.
signin-err-mfa = Denne kontoen logger inn med totrinnspålogging: skriv også inn koden fra autentiseringsappen.
signin-err-throttled = For mange mislykkede innlogginger. Prøv igjen om { $n ->
        [one] ett sekund
       *[other] { $seconds } sekunder
    }.
