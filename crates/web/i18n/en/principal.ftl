# One person or account in the tenant administration: edit, disable, delete, password reset, GDPR export and erasure.

pr-breadcrumbs = You are here
pr-title = Account: { $name }
pr-title-gone = Account removed
pr-back = Back to the people and accounts
pr-details = What the directory holds
pr-is-me = This is your own account.
pr-state = State
pr-state-active = Active
pr-state-disabled = Disabled: cannot sign in
pr-mfa = Second factor
pr-mfa-on = Authenticator app enrolled
pr-mfa-off = Not enrolled
pr-email = Email address
pr-edit = Change the account
pr-attributes = Attributes
pr-attributes-hint = One per line, as name = value. Segments can select people by them.
pr-kind-fixed = The kind of account ({ $kind }) cannot be changed; create a new account for another kind.
pr-ok-edited = The changes were saved.
pr-bad-attribute = Line { $line } of the attributes has no “=”; write name = value.

pr-access = Access
pr-disable = Disable the account
pr-disable-intro = The person can no longer sign in, and every session and device they are signed in with ends at once. Their files stay.
pr-disable-named = Disable { $name }
pr-enable = Enable the account
pr-enable-intro = The account is disabled. Enabled again, the person can sign in with their password as before.
pr-enable-named = Enable { $name }
pr-ok-disabled = The account is disabled; its sessions have ended.
pr-ok-enabled = The account is enabled again.
pr-password = Reset the password
pr-password-intro = Sets a new password and ends every session of the account. App passwords keep working until revoked.
pr-password-field = New password (optional)
pr-password-hint = At least 12 characters. Leave empty to have a password generated and shown once.
pr-password-submit = Reset the password
pr-ok-password = The password was reset; every session of the account has ended.
pr-password-new = The new password for { $login }:
pr-password-once = It is shown only now. Give it to the person by a safe route, and ask them to change it after signing in.

pr-gdpr = Personal data (GDPR)
pr-export = Export (right of access and portability)
pr-export-intro = A ZIP file with the account, its shares, sessions, sign-ins and a manifest. File names and contents are included only under a live lockbox grant of yours; otherwise the manifest says what was withheld and why.
pr-export-link = Download the data of { $login } (ZIP)
pr-erase = Erasure (right to erasure, Art. 17)
pr-erase-intro = Deletes the personal drive, shares, sessions, app passwords, password and the account itself, except what a legal hold or a minimum retention period must keep. The audit log is never erased. Show what would happen first: it changes nothing.
pr-confirm-label = Type the login { $login } to confirm
pr-erase-confirm-hint = Not needed to show what would happen.
pr-erase-preview = Show what would be erased and kept
pr-erase-submit = Erase { $login }
pr-confirm-mismatch = The confirmation does not match. Type the login { $login } exactly to confirm.
pr-ok-erased = { $login } was erased. What had to be kept is listed below, with the reason.
pr-erase-report-dry = Test run: what erasing { $login } would do
pr-erase-report-done = Erasure of { $login }
pr-erase-nothing-changed = Nothing was changed.
pr-erase-erased = Erased
pr-erase-kept = Kept, and why
pr-erase-kept-none = Nothing had to be kept.
pr-erase-kept-caption = Items kept by a legal hold or a retention rule
pr-kept-col-item = Item
pr-kept-col-size = Size
pr-kept-col-why = Why it is kept
pr-kept-trashed = in the trash
pr-kept-hold = Legal hold, case { $case }, since { $since }
pr-kept-min = Retention rule for { $level }: kept until { $until }
pr-erase-notes = Not erased, by design
pr-erased-files = Files
pr-erased-folders = Folders
pr-erased-versions = Earlier versions
pr-erased-trash = Trash entries
pr-erased-bytes = Data
pr-erased-shares = Shares and links
pr-erased-sessions = Sessions
pr-erased-app-passwords = App passwords
pr-erased-credential = Password and second factor
pr-erased-record = The account record

pr-delete = Delete the account
pr-delete-intro = Removes the account, its password, sessions and app passwords. Its files are not erased: use erasure for that.
pr-delete-submit = Delete { $login }
pr-ok-deleted = The account { $login } was deleted.

pr-self-export = Download my data
pr-self-export-intro = Everything Suveren holds about you (GDPR Art. 15 and 20): your files, your account, shares, sessions, app passwords (without secrets) and the audit records about you, as one ZIP file with a manifest.
pr-self-export-link = Download my data (ZIP)
# Erasure report without a lockbox grant: kept files counted, not named.
pr-erase-names-withheld = File names are content: an administrator sees them only under a live lockbox grant. The kept files are counted per drive instead.
pr-erase-counted-caption = Kept files, counted per drive (names withheld)
pr-kept-col-drive = Drive
pr-kept-col-files = Files
pr-kept-counted-trashed = { $count } in the trash
