# The operator console: tenants, quotas, health, federation links.
# (The console's first strings are in admin.ftl, `operator-*`.)

op-sections = Deler av driftskonsollen
op-and = {" "}og{" "}
op-back = Tilbake til driftskonsollen

## Creating a tenant
op-create = Ny virksomhet
op-create-intro = En virksomhet er én organisasjon: en kommune, eller en sektor i en. Den starter uten personer: når den er opprettet, gir du den sin første administrator på siden dens.
op-create-name = Navn
op-create-id = Kortnavn (id)
op-create-id-hint = Bare små bokstaver a–z, sifre og - _ . , f.eks. austvik. Brukes i adresser og revisjonsloggen; kan ikke endres senere.
op-create-domain = Domene
op-create-domain-hint = Domenet i organisasjonens brukernavn, f.eks. austvik.kommune.no. Hver virksomhet har sitt eget.
op-create-preset-hint = Nivåene innhold klassifiseres etter. Virksomhetens administratorer kan endre dem senere.
op-create-quota = Kvote i GiB (valgfritt)
op-create-quota-hint = La stå tomt for ingen kvote.
op-create-submit = Opprett virksomhet
op-preset-default = Standard (Open, Internal, Confidential, Restricted)
op-preset-norway = Norge (Åpen, Intern, Fortrolig, Strengt fortrolig)
op-preset-sweden = Sverige (KLASSA-nivå 0–3)
op-preset-custom = Egendefinert (endret av virksomheten)
op-ok-created = Virksomheten ble opprettet.
op-ok-admin = Den første administratoren ble opprettet. Fra nå av forvalter virksomhetens administratorer personene der.
op-first-admin = Første administrator
op-first-admin-intro = Virksomheten har ingen administrator ennå. Du kan opprette den første; deretter er det virksomheten, ikke du, som forvalter personene der. For å administrere må de sette opp en autentiseringsapp ved første innlogging.
op-first-admin-login = Brukernavn (e-postadresse på virksomhetens domene)
op-first-admin-password = Første passord
op-first-admin-password-hint = Minst 12 tegn. Gi det til personen på en trygg måte; de endrer det etter innlogging.
op-first-admin-submit = Opprett den første administratoren

## One tenant
op-tenant-facts = Innstillinger
op-fact-id = Kortnavn (id)
op-fact-preset = Klassifisering
op-fact-levels = Nivåer
op-fact-drives = Disker i bruk
op-fact-key = Krypteringsnøkkel
op-key-locked = { $provider } – låst: innholdet kan ikke leses før en administrator i virksomheten låser den opp
op-key-rotating = { $provider } – byttes ut: { $checked ->
    [one] 1 fil kontrollert så langt
   *[other] { $checked } filer kontrollert så langt
  }
op-usage = Lagringsbruk
op-usage-quota = { $used } av { $quota } brukt ({ $percent } %).
op-usage-no-quota = { $used } brukt; ingen kvote er satt.
op-usage-hint = Teller filene i virksomhetens disker, med tidligere versjoner og papirkurven.

## Federation links
op-links-intro = En kobling lar personer i ett segment i en virksomhet finne og dele med personer i et segment i en annen virksomhet. Du foreslår den; den åpner ingenting før administratorer i begge virksomhetene har samtykket, og begge kan trekke samtykket når som helst.
op-col-link = Kobling
op-col-allows = Hva den åpner
op-link-waiting-for = venter på samtykke fra { $tenants }
op-link-allows = Når den er aktiv: { $sa } i { $a } ({ $na ->
    [one] 1 person
   *[other] { $na } personer
  }) og { $sb } i { $b } ({ $nb ->
    [one] 1 person
   *[other] { $nb } personer
  }) kan finne hverandre og dele det nivåene deres tillater.
op-link-remove = Fjern koblingen { $link }
op-propose = Foreslå en kobling
op-propose-no-segments = Ingen virksomhet har segmenter ennå; virksomhetens administratorer definerer dem.
op-propose-a = Første side (virksomhet og segment)
op-propose-b = Andre side (virksomhet og segment)
op-propose-hint = De to sidene må høre til ulike virksomheter.
op-propose-submit = Foreslå kobling
op-side = { $tenant }: { $segment } ({ $count ->
    [one] 1 person
   *[other] { $count } personer
  })
op-ok-proposed = Koblingen er foreslått. Den blir aktiv når administratorer i begge virksomhetene har samtykket.
op-ok-removed = Koblingen er fjernet. Personer på hver side kan ikke lenger finne hverandre gjennom den.

## Health
op-health-details = Tilstand i detalj
op-health-title = Installasjonens tilstand
op-health-intro = De samme kontrollene som API-ets /api/v1/health, gjort nå.
op-health-all-ok = Alt annet virker også.
op-health-attention = Noe trenger oppmerksomhet; se tilstandssiden.
op-health-failing = Noe virker ikke; se tilstandssiden.
op-health-sum-ok = Alt er i orden.
op-health-sum-attention = Virker, men noe trenger oppmerksomhet.
op-health-sum-failing = Noe virker ikke.
op-state-ok = i orden
op-state-attention = trenger oppmerksomhet
op-state-failing = virker ikke
op-health-database = Database
op-health-database-error = Databasen svarer ikke: { $error }
op-health-blobs = Fillagring
op-health-blobs-ok = Fillageret ({ $path }) kan skrives til og leses fra.
op-health-blobs-error = Fillageret ({ $path }) kan ikke skrives til: { $error }
op-health-blobs-stored = { $bytes } med filer lagret i { $drives ->
    [one] 1 disk
   *[other] { $drives } disker
  }.
op-health-jobs = Bakgrunnsjobber
op-job-upkeep = Søkeindeks og opprydding
op-job-retention = Oppbevaring og papirkurv
op-job-lockbox = Lukking av utløpte innsynsforespørsler
op-job-ran = { $job }: kjørte sist { $at }.
op-job-stalled = { $job }: har ikke kjørt siden { $at }; se serverens logg.
op-job-starting = { $job }: har ikke kjørt ennå siden serveren startet; det skjer snart.
op-job-never = { $job }: har ikke kjørt siden serveren startet; se serverens logg.
op-job-index-current = Søkeindeksen er oppdatert.
op-job-index-behind = { $count ->
    [one] 1 endring venter
   *[other] { $count } endringer venter
  } på søkeindeksen.
op-job-retention-running = En oppbevaringsrunde er underveis.
op-job-runs-on = Den kjører på noden { $node }.
op-health-this-node = Denne siden kommer fra noden { $node }; hver jobb kjører på én node om gangen.
op-health-keys = Nøkkelleverandører
op-keys-master-ok = Installasjonens hovednøkkelfil er på plass.
op-keys-master-missing = Installasjonens hovednøkkelfil mangler: innhold under den kan ikke leses etter en omstart.
op-keys-pkcs11-on = En maskinvaresikkerhetsmodul (PKCS#11) er satt opp.
op-keys-pkcs11-off = Ingen maskinvaresikkerhetsmodul (PKCS#11) er satt opp.
op-keys-all-master = Alle virksomheters nøkler holdes av hovednøkkelfilen og er tilgjengelige.
op-keys-tenant = { $tenant }: nøkkelen holdes av { $provider } og er tilgjengelig.
op-keys-tenant-locked = { $tenant }: nøkkelen holdes av { $provider } og er låst; innholdet kan ikke leses før en administrator i { $tenant } låser den opp.
op-keys-rotating = { $tenant }: nøkkelen byttes ut ({ $checked ->
    [one] 1 fil kontrollert
   *[other] { $checked } filer kontrollert
  }).

## A tenant administrator's federation page
fed-nav = Føderasjonskoblinger
fed-title = Føderasjonskoblinger
fed-back = Tilbake til administrasjon
fed-intro = Koblinger knytter en del av { $tenant } til en del av en annen organisasjon, slik at personene der kan finne og arbeide med hverandre. Driftsoperatøren foreslår en kobling; den åpner ingenting før administratorer på begge sider samtykker. Du kan trekke samtykket når som helst, og koblingen stenges med en gang.
fed-waiting = Venter på samtykke
fed-none-waiting = Ingen koblinger venter på samtykke.
fed-active = Aktive koblinger
fed-none-active = Ingen aktive koblinger.
fed-link-title = { $ours } i { $tenant } ↔ { $theirs } i { $other }
fed-status-active = Aktiv: begge sider samtykker.
fed-status-waiting-us = Venter på ditt samtykke; { $other } har samtykket.
fed-status-waiting-them = Du har samtykket; venter på { $other }.
fed-status-waiting-both = Venter på ditt samtykke og på samtykke fra { $other }.
fed-allows-heading = Hvis begge sider samtykker:
fed-allows-heading-active = Dette åpner den nå:
fed-allows-find = { $ours } i { $tenant } ({ $count ->
    [one] 1 person nå
   *[other] { $count } personer nå
  }) og { $theirs } i { $other } kan finne hverandre i katalogen og dele filer med hverandre.
fed-allows-share = Innhold kan deles på tvers på disse nivåene hos dere: { $levels }. Innhold på høyere nivåer blir i egen organisasjon.
fed-allows-no-share = Ingen av klassifiseringsnivåene deres tillater deling utenfor organisasjonen, så de kan finne hverandre, men ikke dele noe.
fed-allows-not = Skjermingsreglene deres gjelder fortsatt, og ingen får se noe som ikke er delt med dem.
fed-consent = Samtykk til { $link }
fed-withdraw = Trekk samtykket til { $link }
fed-ok-consented = Samtykket ditt er registrert.
fed-ok-withdrawn = Samtykket ditt er trukket; koblingen er ikke aktiv.
fed-refused = Ikke utført: { $reason }
