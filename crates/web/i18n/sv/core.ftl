# Suveren, webbgränssnitt, svenska.

app-name = Suveren
skip-to-content = Hoppa till innehållet
nav-main = Huvudmeny
nav-home = Hem
nav-drive = Filer
nav-directory = Personer
nav-lockbox = Åtkomstbegäran (lockbox)
nav-settings = Inställningar
nav-admin = Administration
nav-operator = Drift
nav-audit = Logg
language = Språk
language-choose = Byt språk
signed-in-as = Inloggad som { $name }
sign-out = Logga ut

signin-title = Logga in
signin-intro = Logga in med ditt jobbkonto.
signin-login = Användarnamn
signin-login-hint = Oftast din e-postadress, till exempel anna.andersson@kommun.se
signin-password = Lösenord
signin-totp = Kod från autentiseringsappen
signin-totp-hint = Sex siffror. Lämna tomt om du inte har ställt in en autentiseringsapp.
signin-submit = Logga in
signin-oidc = Logga in med kommunens inloggning
signin-oidc-org = Logga in med { $org }
signin-failed = Inloggningen misslyckades: { $reason }
signin-expired = Din session har avslutats. Logga in igen för att fortsätta.

home-title = Hem
home-welcome = Välkommen, { $name }
home-drives = Dina lagringsytor
home-notices = Åtkomst till ditt innehåll
home-no-notices = Ingen har fått åtkomst till ditt innehåll.
home-tasks = Väntar på dig
home-pending = { $count ->
    [one] En åtkomstbegäran väntar på din granskning.
   *[other] { $count } åtkomstbegäranden väntar på din granskning.
}

error-title = Något gick fel
error-not-found = Hittades inte. Det finns inte, eller så saknar du åtkomst.
error-denied = Inte tillåtet: { $reason }
error-form = Formuläret kunde inte läsas: { $reason }
error-csrf = Formuläret hade gått ut. Gå tillbaka, ladda om sidan och försök igen.
error-back = Till startsidan

level-banner = { $level }: { $text }

# Why signing in failed: the service's sentences (ids in
# suveren_service::messages; the API answers them in English) and the
# sign-in's own.
err-wrong-password = Fel användarnamn eller lösenord.
err-wrong-totp = Fel kod från autentiseringsappen, eller en kod som redan har använts.
err-wrong-recovery = Fel återställningskod, eller en kod som redan har använts.
signin-err-mfa = Det här kontot loggar in med tvåstegsinloggning: ange också koden från autentiseringsappen.
signin-err-throttled = För många misslyckade inloggningar. Försök igen om { $n ->
        [one] en sekund
       *[other] { $seconds } sekunder
    }.
