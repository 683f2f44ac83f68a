# The operator console: tenants, quotas, health, federation links.
# (The console's first strings are in admin.ftl, `operator-*`.)

op-sections = Sections of the operator console
op-and = {" "}and{" "}
op-back = Back to the operator console

## Creating a tenant
op-create = New tenant
op-create-intro = A tenant is one organisation: a municipality, or a sector of one. It starts with no people: after creating it, give it its first administrator on its page.
op-create-name = Name
op-create-id = Short name (id)
op-create-id-hint = Lowercase letters a–z, digits and - _ . only, e.g. austvik. Used in addresses and the audit log; it cannot be changed later.
op-create-domain = Domain
op-create-domain-hint = The domain of the organisation's logins, e.g. austvik.kommune.no. Each tenant has its own.
op-create-preset-hint = The levels content is classified by. The tenant's administrators can change them later.
op-create-quota = Quota in GiB (optional)
op-create-quota-hint = Leave empty for no quota.
op-create-submit = Create tenant
op-preset-default = Default (Open, Internal, Confidential, Restricted)
op-preset-norway = Norway (Åpen, Intern, Fortrolig, Strengt fortrolig)
op-preset-sweden = Sweden (KLASSA levels 0–3)
op-preset-custom = Custom (changed by the tenant)
op-ok-created = The tenant was created.
op-ok-admin = The first administrator was created. From now on the tenant's administrators manage its people.
op-first-admin = First administrator
op-first-admin-intro = The tenant has no administrator yet. You may create the first one; after that, its people are the tenant's to manage, not yours. They must set up an authenticator app at first sign-in to administer.
op-first-admin-login = Login (e-mail address at the tenant's domain)
op-first-admin-password = Initial password
op-first-admin-password-hint = At least 12 characters. Give it to the person in a safe way; they change it after signing in.
op-first-admin-submit = Create the first administrator

## One tenant
op-tenant-facts = Settings
op-fact-id = Short name (id)
op-fact-preset = Classification
op-fact-levels = Levels
op-fact-drives = Drives in use
op-fact-key = Encryption key
op-key-locked = { $provider } – locked: content cannot be read until an administrator of the tenant unlocks it
op-key-rotating = { $provider } – being replaced: { $checked ->
    [one] 1 file checked so far
   *[other] { $checked } files checked so far
  }
op-usage = Storage use
op-usage-quota = { $used } of { $quota } used ({ $percent } %).
op-usage-no-quota = { $used } used; no quota is set.
op-usage-hint = Counts the files in the tenant's drives, earlier versions and the trash included.

## Federation links
op-links-intro = A link lets people in one segment of a tenant find and share with people in a segment of another tenant. You propose it; it opens nothing until administrators of both tenants have consented, and either can withdraw at any time.
op-col-link = Link
op-col-allows = What it opens
op-link-waiting-for = waiting for consent from { $tenants }
op-link-allows = When active: { $sa } of { $a } ({ $na ->
    [one] 1 person
   *[other] { $na } people
  }) and { $sb } of { $b } ({ $nb ->
    [one] 1 person
   *[other] { $nb } people
  }) can find each other and share what their levels allow.
op-link-remove = Remove link { $link }
op-propose = Propose a link
op-propose-no-segments = No tenant has segments yet; a tenant's administrators define them.
op-propose-a = First side (tenant and segment)
op-propose-b = Second side (tenant and segment)
op-propose-hint = The two sides must belong to different tenants.
op-propose-submit = Propose link
op-side = { $tenant }: { $segment } ({ $count ->
    [one] 1 person
   *[other] { $count } people
  })
op-ok-proposed = The link was proposed. It becomes active when administrators of both tenants have consented.
op-ok-removed = The link was removed. People on either side can no longer find each other through it.

## Health
op-health-details = Health in detail
op-health-title = Health of the installation
op-health-intro = The same checks as the API's /api/v1/health, made now.
op-health-all-ok = Everything else works too.
op-health-attention = Something needs attention; see the health page.
op-health-failing = Something is not working; see the health page.
op-health-sum-ok = Everything is in order.
op-health-sum-attention = Working, but something needs attention.
op-health-sum-failing = Something is not working.
op-state-ok = in order
op-state-attention = needs attention
op-state-failing = not working
op-health-database = Database
op-health-database-error = The database does not answer: { $error }
op-health-blobs = File storage
op-health-blobs-ok = File storage ({ $path }) can be written to and read from.
op-health-blobs-error = File storage ({ $path }) cannot be written to: { $error }
op-health-blobs-stored = { $bytes } of files stored in { $drives ->
    [one] 1 drive
   *[other] { $drives } drives
  }.
op-health-jobs = Background jobs
op-job-upkeep = Search index and clean-up
op-job-retention = Retention and trash
op-job-lockbox = Closing expired lockbox requests
op-job-ran = { $job }: last ran { $at }.
op-job-stalled = { $job }: has not run since { $at }; check the server's log.
op-job-starting = { $job }: not run yet since the server started; it will shortly.
op-job-never = { $job }: has not run since the server started; check the server's log.
op-job-index-current = The search index is up to date.
op-job-index-behind = { $count ->
    [one] 1 change is
   *[other] { $count } changes are
  } waiting for the search index.
op-job-retention-running = A retention pass is part way through.
op-job-runs-on = It runs on node { $node }.
op-health-this-node = This page comes from node { $node }; each job runs on one node at a time.
op-health-keys = Key providers
op-keys-master-ok = The installation's master key file is in place.
op-keys-master-missing = The installation's master key file is missing: content under it cannot be read after a restart.
op-keys-pkcs11-on = A hardware security module (PKCS#11) is configured.
op-keys-pkcs11-off = No hardware security module (PKCS#11) is configured.
op-keys-all-master = Every tenant's key is held by the master key file and available.
op-keys-tenant = { $tenant }: key held by { $provider }, available.
op-keys-tenant-locked = { $tenant }: key held by { $provider } is locked; its content cannot be read until an administrator of { $tenant } unlocks it.
op-keys-rotating = { $tenant }: the key is being replaced ({ $checked ->
    [one] 1 file checked
   *[other] { $checked } files checked
  }).

## A tenant administrator's federation page
fed-nav = Federation links
fed-title = Federation links
fed-back = Back to administration
fed-intro = Links join a part of { $tenant } with a part of another organisation, so that their people can find and work with each other. The operator proposes a link; it opens nothing until administrators of both sides consent. You can withdraw your consent at any time, and the link closes at once.
fed-waiting = Waiting for consent
fed-none-waiting = No links are waiting for consent.
fed-active = Active links
fed-none-active = No active links.
fed-link-title = { $ours } of { $tenant } ↔ { $theirs } of { $other }
fed-status-active = Active: both sides consent.
fed-status-waiting-us = Waiting for your consent; { $other } has consented.
fed-status-waiting-them = You have consented; waiting for { $other }.
fed-status-waiting-both = Waiting for your consent and for { $other }'s.
fed-allows-heading = If both sides consent:
fed-allows-heading-active = What it opens now:
fed-allows-find = { $ours } of { $tenant } ({ $count ->
    [one] 1 person now
   *[other] { $count } people now
  }) and { $theirs } of { $other } can find each other in the directory and share files with each other.
fed-allows-share = Content may be shared across at these levels of yours: { $levels }. Content at higher levels stays inside your organisation.
fed-allows-no-share = None of your classification levels allows sharing outside your organisation, so they can find each other but share nothing.
fed-allows-not = Your barrier rules still apply, and no one gets to see anything that was not shared with them.
fed-consent = Consent to { $link }
fed-withdraw = Withdraw consent to { $link }
fed-ok-consented = Your consent was recorded.
fed-ok-withdrawn = Your consent was withdrawn; the link is not active.
fed-refused = Not done: { $reason }
