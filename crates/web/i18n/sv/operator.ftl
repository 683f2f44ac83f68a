# The operator console: tenants, quotas, health, federation links.
# (The console's first strings are in admin.ftl, `operator-*`.)

op-sections = Delar av driftkonsolen
op-and = {" "}och{" "}
op-back = Tillbaka till driftkonsolen

## Creating a tenant
op-create = Ny organisation
op-create-intro = En organisation är en verksamhet: en kommun, eller en sektor i en. Den börjar utan personer: när den är skapad ger du den sin första administratör på dess sida.
op-create-name = Namn
op-create-id = Kortnamn (id)
op-create-id-hint = Bara små bokstäver a–z, siffror och - _ . , t.ex. austvik. Används i adresser och granskningsloggen; kan inte ändras senare.
op-create-domain = Domän
op-create-domain-hint = Domänen i organisationens inloggningar, t.ex. austvik.kommun.se. Varje organisation har sin egen.
op-create-preset-hint = Nivåerna innehåll klassas efter. Organisationens administratörer kan ändra dem senare.
op-create-quota = Kvot i GiB (valfritt)
op-create-quota-hint = Lämna tomt för ingen kvot.
op-create-submit = Skapa organisation
op-preset-default = Standard (Open, Internal, Confidential, Restricted)
op-preset-norway = Norge (Åpen, Intern, Fortrolig, Strengt fortrolig)
op-preset-sweden = Sverige (KLASSA-nivå 0–3)
op-preset-custom = Anpassad (ändrad av organisationen)
op-ok-created = Organisationen skapades.
op-ok-admin = Den första administratören skapades. Från och med nu förvaltar organisationens administratörer personerna där.
op-first-admin = Första administratör
op-first-admin-intro = Organisationen har ingen administratör ännu. Du kan skapa den första; därefter är det organisationen, inte du, som förvaltar personerna där. För att administrera måste de konfigurera en autentiseringsapp vid första inloggningen.
op-first-admin-login = Inloggning (e-postadress på organisationens domän)
op-first-admin-password = Första lösenord
op-first-admin-password-hint = Minst 12 tecken. Ge det till personen på ett säkert sätt; de byter det efter inloggning.
op-first-admin-submit = Skapa den första administratören

## One tenant
op-tenant-facts = Inställningar
op-fact-id = Kortnamn (id)
op-fact-preset = Klassning
op-fact-levels = Nivåer
op-fact-drives = Enheter i bruk
op-fact-key = Krypteringsnyckel
op-key-locked = { $provider } – låst: innehållet kan inte läsas förrän en administratör i organisationen låser upp den
op-key-rotating = { $provider } – byts ut: { $checked ->
    [one] 1 fil kontrollerad hittills
   *[other] { $checked } filer kontrollerade hittills
  }
op-usage = Lagringsanvändning
op-usage-quota = { $used } av { $quota } används ({ $percent } %).
op-usage-no-quota = { $used } används; ingen kvot är satt.
op-usage-hint = Räknar filerna i organisationens enheter, med tidigare versioner och papperskorgen.

## Federation links
op-links-intro = En koppling låter personer i ett segment i en organisation hitta och dela med personer i ett segment i en annan organisation. Du föreslår den; den öppnar ingenting förrän administratörer i båda organisationerna har samtyckt, och båda kan återkalla samtycket när som helst.
op-col-link = Koppling
op-col-allows = Vad den öppnar
op-link-waiting-for = väntar på samtycke från { $tenants }
op-link-allows = När den är aktiv: { $sa } i { $a } ({ $na ->
    [one] 1 person
   *[other] { $na } personer
  }) och { $sb } i { $b } ({ $nb ->
    [one] 1 person
   *[other] { $nb } personer
  }) kan hitta varandra och dela det deras nivåer tillåter.
op-link-remove = Ta bort kopplingen { $link }
op-propose = Föreslå en koppling
op-propose-no-segments = Ingen organisation har segment ännu; organisationens administratörer definierar dem.
op-propose-a = Första sidan (organisation och segment)
op-propose-b = Andra sidan (organisation och segment)
op-propose-hint = De två sidorna måste höra till olika organisationer.
op-propose-submit = Föreslå koppling
op-side = { $tenant }: { $segment } ({ $count ->
    [one] 1 person
   *[other] { $count } personer
  })
op-ok-proposed = Kopplingen är föreslagen. Den blir aktiv när administratörer i båda organisationerna har samtyckt.
op-ok-removed = Kopplingen är borttagen. Personer på vardera sidan kan inte längre hitta varandra genom den.

## Health
op-health-details = Tillstånd i detalj
op-health-title = Installationens tillstånd
op-health-intro = Samma kontroller som API:ets /api/v1/health, gjorda nu.
op-health-all-ok = Allt annat fungerar också.
op-health-attention = Något behöver uppmärksamhet; se tillståndssidan.
op-health-failing = Något fungerar inte; se tillståndssidan.
op-health-sum-ok = Allt är i ordning.
op-health-sum-attention = Fungerar, men något behöver uppmärksamhet.
op-health-sum-failing = Något fungerar inte.
op-state-ok = i ordning
op-state-attention = behöver uppmärksamhet
op-state-failing = fungerar inte
op-health-database = Databas
op-health-database-error = Databasen svarar inte: { $error }
op-health-blobs = Fillagring
op-health-blobs-ok = Fillagringen ({ $path }) går att skriva till och läsa från.
op-health-blobs-error = Fillagringen ({ $path }) går inte att skriva till: { $error }
op-health-blobs-stored = { $bytes } filer lagrade i { $drives ->
    [one] 1 enhet
   *[other] { $drives } enheter
  }.
op-health-jobs = Bakgrundsjobb
op-job-upkeep = Sökindex och städning
op-job-retention = Gallring och papperskorg
op-job-lockbox = Stängning av utgångna insynsbegäranden
op-job-ran = { $job }: kördes senast { $at }.
op-job-stalled = { $job }: har inte körts sedan { $at }; se serverns logg.
op-job-starting = { $job }: har inte körts ännu sedan servern startade; det sker snart.
op-job-never = { $job }: har inte körts sedan servern startade; se serverns logg.
op-job-index-current = Sökindexet är uppdaterat.
op-job-index-behind = { $count ->
    [one] 1 ändring väntar
   *[other] { $count } ändringar väntar
  } på sökindexet.
op-job-retention-running = En gallringsomgång pågår.
op-job-runs-on = Det körs på noden { $node }.
op-health-this-node = Den här sidan kommer från noden { $node }; varje jobb körs på en nod i taget.
op-health-keys = Nyckelleverantörer
op-keys-master-ok = Installationens huvudnyckelfil finns på plats.
op-keys-master-missing = Installationens huvudnyckelfil saknas: innehåll under den kan inte läsas efter en omstart.
op-keys-pkcs11-on = En hårdvarusäkerhetsmodul (PKCS#11) är konfigurerad.
op-keys-pkcs11-off = Ingen hårdvarusäkerhetsmodul (PKCS#11) är konfigurerad.
op-keys-all-master = Alla organisationers nycklar hålls av huvudnyckelfilen och är tillgängliga.
op-keys-tenant = { $tenant }: nyckeln hålls av { $provider } och är tillgänglig.
op-keys-tenant-locked = { $tenant }: nyckeln hålls av { $provider } och är låst; innehållet kan inte läsas förrän en administratör i { $tenant } låser upp den.
op-keys-rotating = { $tenant }: nyckeln byts ut ({ $checked ->
    [one] 1 fil kontrollerad
   *[other] { $checked } filer kontrollerade
  }).

## A tenant administrator's federation page
fed-nav = Federationskopplingar
fed-title = Federationskopplingar
fed-back = Tillbaka till administration
fed-intro = Kopplingar förenar en del av { $tenant } med en del av en annan organisation, så att personerna där kan hitta och arbeta med varandra. Driftoperatören föreslår en koppling; den öppnar ingenting förrän administratörer på båda sidor samtycker. Du kan återkalla ditt samtycke när som helst, och kopplingen stängs direkt.
fed-waiting = Väntar på samtycke
fed-none-waiting = Inga kopplingar väntar på samtycke.
fed-active = Aktiva kopplingar
fed-none-active = Inga aktiva kopplingar.
fed-link-title = { $ours } i { $tenant } ↔ { $theirs } i { $other }
fed-status-active = Aktiv: båda sidor samtycker.
fed-status-waiting-us = Väntar på ditt samtycke; { $other } har samtyckt.
fed-status-waiting-them = Du har samtyckt; väntar på { $other }.
fed-status-waiting-both = Väntar på ditt samtycke och på samtycke från { $other }.
fed-allows-heading = Om båda sidor samtycker:
fed-allows-heading-active = Det här öppnar den nu:
fed-allows-find = { $ours } i { $tenant } ({ $count ->
    [one] 1 person nu
   *[other] { $count } personer nu
  }) och { $theirs } i { $other } kan hitta varandra i katalogen och dela filer med varandra.
fed-allows-share = Innehåll får delas över kopplingen på dessa nivåer hos er: { $levels }. Innehåll på högre nivåer stannar i den egna organisationen.
fed-allows-no-share = Ingen av era klassningsnivåer tillåter delning utanför organisationen, så de kan hitta varandra men inte dela något.
fed-allows-not = Era informationsbarriärer gäller fortfarande, och ingen får se något som inte har delats med dem.
fed-consent = Samtyck till { $link }
fed-withdraw = Återkalla samtycket till { $link }
fed-ok-consented = Ditt samtycke är registrerat.
fed-ok-withdrawn = Ditt samtycke är återkallat; kopplingen är inte aktiv.
fed-refused = Inte utfört: { $reason }
