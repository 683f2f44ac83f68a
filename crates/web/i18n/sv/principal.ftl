# One person or account in the tenant administration: edit, disable, delete, password reset, GDPR export and erasure.

pr-breadcrumbs = Du är här
pr-title = Konto: { $name }
pr-title-gone = Kontot är borttaget
pr-back = Tillbaka till personer och konton
pr-details = Det katalogen har om kontot
pr-is-me = Det här är ditt eget konto.
pr-state = Status
pr-state-active = Aktivt
pr-state-disabled = Inaktiverat: kan inte logga in
pr-mfa = Tvåfaktor
pr-mfa-on = Autentiseringsapp registrerad
pr-mfa-off = Inte registrerad
pr-email = E-postadress
pr-edit = Ändra kontot
pr-attributes = Egenskaper
pr-attributes-hint = En per rad, som namn = värde. Segment kan välja personer efter dem.
pr-kind-fixed = Kontotypen ({ $kind }) kan inte ändras; skapa ett nytt konto för en annan typ.
pr-ok-edited = Ändringarna sparades.
pr-bad-attribute = Rad { $line } i egenskaperna saknar ”=”; skriv namn = värde.

pr-access = Åtkomst
pr-disable = Inaktivera kontot
pr-disable-intro = Personen kan inte längre logga in, och alla sessioner och enheter personen är inloggad med avslutas direkt. Filerna finns kvar.
pr-disable-named = Inaktivera { $name }
pr-enable = Aktivera kontot
pr-enable-intro = Kontot är inaktiverat. Aktiveras det igen kan personen logga in med sitt lösenord som förut.
pr-enable-named = Aktivera { $name }
pr-ok-disabled = Kontot är inaktiverat; sessionerna har avslutats.
pr-ok-enabled = Kontot är aktiverat igen.
pr-password = Återställ lösenordet
pr-password-intro = Sätter ett nytt lösenord och avslutar alla sessioner för kontot. Applösenord fungerar tills de återkallas.
pr-password-field = Nytt lösenord (valfritt)
pr-password-hint = Minst 12 tecken. Lämna tomt för att få ett lösenord skapat och visat en gång.
pr-password-submit = Återställ lösenordet
pr-ok-password = Lösenordet är återställt; alla sessioner för kontot har avslutats.
pr-password-new = Det nya lösenordet för { $login }:
pr-password-once = Det visas bara nu. Ge det till personen på ett säkert sätt och be hen byta det efter inloggningen.

pr-gdpr = Personuppgifter (GDPR)
pr-export = Export (rätt till tillgång och dataportabilitet)
pr-export-intro = En ZIP-fil med kontot, delningar, sessioner, inloggningar och en förteckning (manifest). Filnamn och innehåll tas bara med när du har ett giltigt åtkomstbeslut (lockbox); annars står det i förteckningen vad som hölls inne och varför.
pr-export-link = Ladda ner uppgifterna om { $login } (ZIP)
pr-erase = Radering (rätten till radering, art. 17)
pr-erase-intro = Raderar den personliga lagringen, delningar, sessioner, applösenord, lösenordet och själva kontot, utom det som ett bevarandebeslut (legal hold) eller en minsta bevarandetid kräver. Granskningsloggen raderas aldrig. Visa först vad som skulle hända: det ändrar ingenting.
pr-confirm-label = Skriv användarnamnet { $login } för att bekräfta
pr-erase-confirm-hint = Behövs inte för att visa vad som skulle hända.
pr-erase-preview = Visa vad som skulle raderas och behållas
pr-erase-submit = Radera { $login } för gott
pr-confirm-mismatch = Bekräftelsen stämmer inte. Skriv användarnamnet { $login } exakt för att bekräfta.
pr-ok-erased = { $login } är raderat. Det som måste behållas står nedan med skälet.
pr-erase-report-dry = Provkörning: vad radering av { $login } skulle göra
pr-erase-report-done = Radering av { $login }
pr-erase-nothing-changed = Ingenting ändrades.
pr-erase-erased = Raderat
pr-erase-kept = Behållet, och varför
pr-erase-kept-none = Ingenting behövde behållas.
pr-erase-kept-caption = Objekt som behålls på grund av bevarandebeslut eller bevaranderegel
pr-kept-col-item = Objekt
pr-kept-col-size = Storlek
pr-kept-col-why = Varför det behålls
pr-kept-trashed = i papperskorgen
pr-kept-hold = Bevarandebeslut, ärende { $case }, sedan { $since }
pr-kept-min = Bevaranderegeln för { $level }: behålls till { $until }
pr-erase-notes = Raderas inte, med avsikt
pr-erased-files = Filer
pr-erased-folders = Mappar
pr-erased-versions = Tidigare versioner
pr-erased-trash = Objekt i papperskorgen
pr-erased-bytes = Data
pr-erased-shares = Delningar och länkar
pr-erased-sessions = Sessioner
pr-erased-app-passwords = Applösenord
pr-erased-credential = Lösenord och tvåfaktor
pr-erased-record = Själva kontot

pr-delete = Ta bort kontot
pr-delete-intro = Tar bort kontot, lösenordet, sessionerna och applösenorden. Filerna raderas inte: använd radering enligt GDPR för det.
pr-delete-submit = Ta bort { $login }
pr-ok-deleted = Kontot { $login } togs bort.

pr-self-export = Ladda ner mina uppgifter
pr-self-export-intro = Allt Suveren har om dig (GDPR art. 15 och 20): dina filer, kontot, delningar, sessioner, applösenord (utan hemligheter) och granskningsloggens poster om dig, som en ZIP-fil med en förteckning.
pr-self-export-link = Ladda ner mina uppgifter (ZIP)
# Erasure report without a lockbox grant: kept files counted, not named.
pr-erase-names-withheld = Filnamn är innehåll: en administratör ser dem bara med en godkänd åtkomstbegäran (lockbox) som gäller nu. Filerna som behålls räknas därför per yta.
pr-erase-counted-caption = Filer som behålls, räknade per yta (namn undanhållna)
pr-kept-col-drive = Yta
pr-kept-col-files = Filer
pr-kept-counted-trashed = { $count } i papperskorgen
