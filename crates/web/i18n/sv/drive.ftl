# drive pages (sv)
drive-title = Filer
drive-personal = Mina filer
drive-kind-personal = Personlig
drive-kind-team = Gemensam yta
drive-yours = Dina ytor
drive-nav = Filmeny
drive-all = Alla ytor
drive-breadcrumbs = Du är här
drive-role-owner = Ägare
drive-role-editor = Kan redigera
drive-role-viewer = Kan se
drive-col-name = Namn
drive-col-kind = Typ
drive-col-level = Klassning
drive-col-role = Din åtkomst
drive-col-size = Storlek
drive-col-modified = Ändrad
drive-col-actions = Åtgärder
drive-col-path = Sökväg
drive-col-deleted = Raderad
drive-col-by = Av
drive-col-replaced = Ersatt
drive-col-place = Var
drive-col-detail = Detaljer

drive-banner = { $level }: { $who }. { $rules }.
drive-banner-mfa = För att öppna innehållet måste du logga in med två faktorer.
drive-who-personal = bara du och de du delar med
drive-who-team = bara medlemmar i { $members }
drive-who-team-none = bara medlemmarna i denna yta
drive-rule-share-any = delning är tillåten, även utanför { $org }
drive-rule-share-federated = delning utanför { $org } bara med anslutna kommuner
drive-rule-share-none = ingen delning utanför { $org }
drive-rule-guests = gäster är tillåtna
drive-rule-no-guests = inga gäster
drive-rule-links = länkar är tillåtna
drive-rule-no-links = inga länkar
drive-rule-mail = e-post till externa mottagare är tillåten
drive-rule-mail-warn = e-post till externa mottagare bara efter en varning
drive-rule-no-mail = ingen e-post till externa mottagare

drive-contents = Innehåll
drive-empty = Mappen är tom.
drive-folder = (mapp)
drive-manage = Mer för { $name }
drive-refused = Inte utfört: { $reason }
drive-done-uploaded = Uppladdat.
drive-done-folder = Mappen har skapats.
drive-done-deleted = Flyttat till papperskorgen.
drive-done-moved = Flyttat.
drive-done-restored = Återställt.
drive-done-version = Den tidigare versionen är den aktuella igen.
drive-err-quota = Ytan är full: { $needed } till behövs, { $available } ledigt.
drive-err-exists = Det finns redan något som heter { $name } här.
drive-err-upload-broken = Uppladdningen avbröts; inget mer sparades.
drive-err-file = { $name }: { $reason }
drive-err-date = Utgångsdatumet är inte ett giltigt datum.
drive-err-no-person = Välj en person först.

drive-upload = Ladda upp filer
drive-upload-choose = Välj filer
drive-upload-hint = Du kan också dra filer hit.
drive-upload-submit = Ladda upp
drive-js-uploading = Laddar upp { $name }
drive-js-done = { $name } har laddats upp.
drive-js-failed = { $name } laddades inte upp:
drive-js-resuming = Fortsätter med { $name } efter ett avbrott
drive-js-all-done = Alla filer har laddats upp. Uppdaterar listan.
drive-mkdir = Ny mapp
drive-mkdir-name = Mappens namn
drive-mkdir-submit = Skapa mapp
drive-trash-link = Papperskorg
drive-trash-title = Papperskorgen i { $drive }
drive-trash-empty = Papperskorgen är tom.
drive-restore = Återställ { $name }
drive-back = Tillbaka
drive-open = Öppna
drive-download = Ladda ned
drive-versions = Tidigare versioner
drive-versions-title = Versioner av { $name }
drive-versions-current = Aktuell version: ändrad { $modified }, { $size }.
drive-versions-none = Det finns inga tidigare versioner.
drive-version-restore = Återställ versionen från { $when }
drive-share = Dela
drive-rename = Byt namn
drive-rename-name = Nytt namn
drive-rename-submit = Byt namn
drive-move = Flytta
drive-move-dest = Målmapp
drive-move-hint = En mapp i denna yta, till exempel /Saker/2026.
drive-move-submit = Flytta
drive-delete = Radera
drive-delete-hint = Raderade objekt hamnar i papperskorgen och kan återställas därifrån.
drive-delete-submit = Flytta { $name } till papperskorgen

drive-shared-title = Delat med mig
drive-shared-empty = Inget har delats med dig.
drive-shared-by = Delat av { $who }; { $role }
drive-search-title = Sök filer
drive-search-label = Namn på fil eller mapp
drive-search-submit = Sök
drive-search-none = Inga filer hittades.
drive-results = Träffar

drive-share-title = Dela { $name }
drive-share-person = Dela med en person
drive-share-find = Hitta en person
drive-share-find-hint = Skriv ett namn eller en e-postadress. Bara personer du får dela med föreslås.
drive-share-search = Hitta
drive-share-nobody = Ingen hittades.
drive-share-pick = Välj en person
drive-share-role = Åtkomst
drive-share-submit = Dela
drive-share-made = Delat med { $who }.
drive-share-link = Skapa en länk
drive-link-mode = Länken låter andra
drive-link-view = se
drive-link-upload = ladda upp till denna mapp
drive-link-expires = Upphör (valfritt)
drive-link-expires-hint = Länken slutar fungera vid slutet av denna dag.
drive-link-password = Lösenord (valfritt)
drive-link-password-hint = Ge lösenordet till mottagarna på annat sätt.
drive-link-submit = Skapa länk
drive-share-link-made = Länken har skapats:
drive-share-link-once = Kopiera den nu; den visas bara en gång.
drive-share-a-link = En länk
drive-share-existing = Dina delningar av detta objekt
drive-share-search-first = Skriv ett namn ovan och välj Hitta.
drive-js-suggestions = Förslag: { $count }
# The organisation's quota (all its drives together), set by the operator.
drive-err-tenant-quota = { $tenant } har använt upp sina { $quota } lagringsutrymme: { $needed } till behövs, { $available } ledigt. Töm papperskorgen eller be en administratör om mer utrymme.

# Names and writes the drive refuses: the service's sentences (ids in
# suveren_service::messages) and the store's preconditions.
err-name-invalid = ”{ $name }” kan inte användas som namn.
drive-err-name-empty = Namnet får inte vara tomt.
err-name-chars = Ett namn får inte innehålla / eller \ eller styrtecken.
err-name-too-long = Namnet är för långt: högst 255 tecken (färre med bokstäver som å, ä och ö).
err-path-too-long = Sökvägen är för lång (högst 4096 byte).
err-root-delete = Den översta mappen på en yta kan inte raderas.
err-root-move = Den översta mappen på en yta kan inte flyttas eller ersättas.
err-storage-full = Serverns lagring är full; inget sparades. Meddela driftoperatören.
drive-err-no-parent = Mappen { $folder } finns inte (längre).
drive-err-not-folder = { $name } är inte en mapp.
drive-err-missing = { $name } finns inte (längre).
drive-err-is-folder = { $name } är en mapp.
drive-err-changed = { $name } har ändrats sedan du öppnade den. Ladda om sidan och försök igen.
drive-err-into-itself = En mapp kan inte flyttas eller kopieras in i sig själv.
drive-err-restore-parent = Mappen som { $name } låg i finns inte längre. Återställ den mappen först.

# Drive tasks: copy, classification, shares and links with revocation,
# "shared by me", deleting from the trash for good.
drive-done-copied = Kopierat.
drive-done-level = Klassningen är ändrad.
drive-done-purged = Raderat för gott.
drive-done-emptied = Papperskorgen är tömd.
drive-done-revoked = Delningen är avslutad.
drive-err-level = Välj en klassning.
drive-dest-drive = Målyta
drive-declassify = Sänk den till målmappens klassning om den är lägre
drive-declassify-hint = Bara ägare får göra detta, och det förs in i granskningsloggen. Utan detta flyttas eller kopieras innehåll aldrig till en lägre klassning.
drive-copy = Kopiera
drive-copy-name = { $name } (kopia)
drive-copy-name-label = Kopians namn
drive-copy-submit = Kopiera
drive-level = Klassning
drive-level-now = Detta objekt är klassat som { $level }.
drive-level-raise-hint = Alla som får redigera det kan höja klassningen. Höjningen gäller direkt: länkar till det slutar fungera, delningar som den nya nivån inte tillåter ger inte längre åtkomst, och allt i en mapp höjs med den.
drive-level-lower-hint = Bara en ägare kan sänka den, aldrig under mappen den ligger i; sänkningen förs in i granskningsloggen.
drive-level-choose = Ny klassning
drive-level-current = (nu)
drive-level-submit = Ändra klassning
drive-col-with = Delad med
drive-col-access = Åtkomst
drive-col-expires = Upphör
drive-col-created = Delad
drive-col-created-by = Delad av
drive-share-current = Delningar och länkar för detta objekt
drive-share-none = Detta objekt är inte delat och har inga länkar.
drive-share-revoke-hint = Att avsluta en delning eller en länk gäller direkt.
drive-share-a-link-password = En länk med lösenord
drive-share-no-expiry = Upphör inte
drive-share-revoke = Avsluta delningen med { $who }
drive-share-revoke-link = Avsluta länken från { $created }
drive-mine-title = Delat av mig
drive-mine-empty = Du har inte delat något.
drive-mine-intro = Allt du har delat med andra eller med länk.
drive-purge-link = Radera { $name } för gott …
drive-empty-heading = Töm papperskorgen
drive-purge-hint = Att radera för gott kan inte ångras. Innehåll som omfattas av ett bevarandebeslut eller har en minsta bevarandetid ligger kvar.
drive-empty-link = Töm papperskorgen …
drive-purge-title = Radera { $name } för gott?
drive-empty-title = Tömma papperskorgen i { $drive }?
drive-purge-warning = Detta kan inte ångras: det som står här, med tidigare versioner, raderas för gott och kan inte längre återställas.
drive-purge-total = { $count ->
    [one] Ett objekt
   *[other] { $count } objekt
}, { $size } totalt
drive-purge-submit = Radera { $name } för gott
drive-empty-submit = Radera allt i papperskorgen för gott
drive-purge-cancel = Avbryt och gå tillbaka till papperskorgen
drive-empty-partly = { $count ->
    [one] Ett objekt raderades för gott.
   *[other] { $count } objekt raderades för gott.
}
drive-empty-kept = { $count ->
    [one] Ett objekt måste behållas:
   *[other] { $count } objekt måste behållas:
}

# Delade länkar som mottagarna ser dem (/l/{token}), utan konto.
link-dead-title = Den här länken fungerar inte (längre)
link-dead-text = Länken kan ha gått ut eller dragits tillbaka, eller så är adressen ofullständig.
link-dead-hint = Be den som skickade länken till dig om en ny.
link-password-title = Delad med lösenord
link-password-intro = Den som delade detta har skyddat länken med ett lösenord. Du ska ha fått lösenordet på annat sätt.
link-password-label = Lösenord
link-password-submit = Öppna
link-password-wrong = Lösenordet stämmer inte. Kontrollera det med den som skickade länken till dig.
link-password-empty = Skriv lösenordet för att öppna länken.
link-expires = Länken fungerar till { $when }.
link-no-expiry = Länken har inget slutdatum.
link-upload-title = Skicka filer till { $name }
link-upload-heading = Skicka filer
link-upload-intro = Filerna du skickar hamnar i den här mappen. Du kan inte se vad som finns där, och en fil med samma namn som en som redan finns avvisas.
link-upload-choose = Välj filer
link-upload-submit = Skicka
link-upload-none = Välj minst en fil att skicka.
link-sent = { $count ->
    [one] En fil har tagits emot. Tack!
   *[other] { $count } filer har tagits emot. Tack!
}
link-file-heading = Den delade filen
link-col-name = Namn
link-col-size = Storlek
link-col-modified = Ändrad
link-download = Ladda ner { $name }
link-folder-heading = Filer i mappen
link-folder-empty = Mappen är tom.
link-folder = mapp
