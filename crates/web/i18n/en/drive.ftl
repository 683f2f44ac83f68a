# drive pages (en)
drive-title = Files
drive-personal = My files
drive-kind-personal = Personal
drive-kind-team = Team drive
drive-yours = Your drives
drive-nav = Files menu
drive-all = All drives
drive-breadcrumbs = You are here
drive-role-owner = Owner
drive-role-editor = Can edit
drive-role-viewer = Can view
drive-col-name = Name
drive-col-kind = Kind
drive-col-level = Classification
drive-col-role = Your access
drive-col-size = Size
drive-col-modified = Changed
drive-col-actions = Actions
drive-col-path = Path
drive-col-deleted = Deleted
drive-col-by = By
drive-col-replaced = Replaced
drive-col-place = Where
drive-col-detail = Details

drive-banner = { $level }: { $who }. { $rules }.
drive-banner-mfa = Opening it requires sign-in with a second factor.
drive-who-personal = only you and whom you share with
drive-who-team = only members of { $members }
drive-who-team-none = only the members of this drive
drive-rule-share-any = sharing allowed, also outside { $org }
drive-rule-share-federated = sharing outside { $org } only with linked municipalities
drive-rule-share-none = no sharing outside { $org }
drive-rule-guests = guests allowed
drive-rule-no-guests = no guests
drive-rule-links = links allowed
drive-rule-no-links = no links
drive-rule-mail = e-mail to outside allowed
drive-rule-mail-warn = e-mail to outside only after a warning
drive-rule-no-mail = no e-mail to outside

drive-contents = Contents
drive-empty = This folder is empty.
drive-folder = (folder)
drive-manage = More for { $name }
drive-refused = Not done: { $reason }
drive-done-uploaded = Uploaded.
drive-done-folder = Folder created.
drive-done-deleted = Moved to the trash.
drive-done-moved = Moved.
drive-done-restored = Restored.
drive-done-version = The earlier version is the current one again.
drive-err-quota = The drive is full: { $needed } more needed, { $available } free.
drive-err-exists = Something named { $name } is already here.
drive-err-upload-broken = The upload was interrupted; nothing more was stored.
drive-err-file = { $name }: { $reason }
drive-err-date = The expiry date is not a valid date.
drive-err-no-person = Choose a person first.

drive-upload = Upload files
drive-upload-choose = Choose files
drive-upload-hint = You can also drag files onto this area.
drive-upload-submit = Upload
drive-js-uploading = Uploading { $name }
drive-js-done = { $name } uploaded.
drive-js-failed = { $name } was not uploaded:
drive-js-resuming = Resuming { $name } after a break
drive-js-all-done = All files uploaded. Updating the list.
drive-mkdir = New folder
drive-mkdir-name = Folder name
drive-mkdir-submit = Create folder
drive-trash-link = Trash
drive-trash-title = Trash of { $drive }
drive-trash-empty = The trash is empty.
drive-restore = Restore { $name }
drive-back = Back
drive-open = Open
drive-download = Download
drive-versions = Earlier versions
drive-versions-title = Versions of { $name }
drive-versions-current = Current version: changed { $modified }, { $size }.
drive-versions-none = There are no earlier versions.
drive-version-restore = Restore the version of { $when }
drive-share = Share
drive-rename = Rename
drive-rename-name = New name
drive-rename-submit = Rename
drive-move = Move
drive-move-dest = Destination folder
drive-move-hint = A folder in this drive, for example /Saker/2026.
drive-move-submit = Move
drive-delete = Delete
drive-delete-hint = Deleted items go to the trash and can be restored from there.
drive-delete-submit = Move { $name } to the trash

drive-shared-title = Shared with me
drive-shared-empty = Nothing has been shared with you.
drive-shared-by = Shared by { $who }; { $role }
drive-search-title = Search files
drive-search-label = File or folder name
drive-search-submit = Search
drive-search-none = No files found.
drive-results = Results

drive-share-title = Share { $name }
drive-share-person = Share with a person
drive-share-find = Find a person
drive-share-find-hint = Type a name or e-mail address. Only people you may share with are suggested.
drive-share-search = Find
drive-share-nobody = Nobody found.
drive-share-pick = Choose a person
drive-share-role = Access
drive-share-submit = Share
drive-share-made = Shared with { $who }.
drive-share-link = Create a link
drive-link-mode = The link lets others
drive-link-view = view
drive-link-upload = upload into this folder
drive-link-expires = Expires (optional)
drive-link-expires-hint = The link stops working at the end of this day.
drive-link-password = Password (optional)
drive-link-password-hint = Give the password to the recipients separately.
drive-link-submit = Create link
drive-share-link-made = Link created:
drive-share-link-once = Copy it now; it is shown only once.
drive-share-a-link = A link
drive-share-existing = Your shares of this item
drive-share-search-first = Type a name above and choose Find.
drive-js-suggestions = Suggestions: { $count }
# The organisation's quota (all its drives together), set by the operator.
drive-err-tenant-quota = { $tenant } has used its { $quota } of storage: { $needed } more needed, { $available } free. Empty the trash or ask an administrator for more room.

# Names and writes the drive refuses: the service's sentences (ids in
# suveren_service::messages) and the store's preconditions.
err-name-invalid = “{ $name }” cannot be used as a name.
drive-err-name-empty = A name cannot be empty.
err-name-chars = A name cannot contain / or \ or control characters.
err-name-too-long = The name is too long: at most 255 characters (fewer with letters such as æ, ø and å).
err-path-too-long = The path is too long (at most 4,096 bytes).
err-root-delete = The top folder of a drive cannot be deleted.
err-root-move = The top folder of a drive cannot be moved or replaced.
err-storage-full = The server's storage is full; nothing was saved. Tell the operator.
drive-err-no-parent = The folder { $folder } does not exist (any more).
drive-err-not-folder = { $name } is not a folder.
drive-err-missing = { $name } does not exist (any more).
drive-err-is-folder = { $name } is a folder.
drive-err-changed = { $name } has changed since you opened it. Reload the page and try again.
drive-err-into-itself = A folder cannot be moved or copied into itself.
drive-err-restore-parent = The folder { $name } was in no longer exists. Restore that folder first.

# Drive tasks: copy, classification, shares and links with revocation,
# "shared by me", deleting from the trash for good.
drive-done-copied = Copied.
drive-done-level = The classification is changed.
drive-done-purged = Deleted for good.
drive-done-emptied = The trash is emptied.
drive-done-revoked = The share has ended.
drive-err-level = Choose a classification.
drive-dest-drive = Destination drive
drive-declassify = Lower it to the destination folder's classification if that is lower
drive-declassify-hint = Only owners may do this; it is recorded in the audit log. Without it, content is never moved or copied to a lower classification.
drive-copy = Copy
drive-copy-name = { $name } (copy)
drive-copy-name-label = Name of the copy
drive-copy-submit = Copy
drive-level = Classification
drive-level-now = This item is classified { $level }.
drive-level-raise-hint = Anyone who may edit it can raise the classification. Raising takes effect at once: links to it stop working and shares the new level does not allow give no more access, and everything in a folder is raised with it.
drive-level-lower-hint = Only an owner can lower it, never below the folder that holds it; lowering is recorded in the audit log.
drive-level-choose = New classification
drive-level-current = (now)
drive-level-submit = Change classification
drive-col-with = Shared with
drive-col-access = Access
drive-col-expires = Expires
drive-col-created = Shared
drive-col-created-by = Shared by
drive-share-current = Shares and links of this item
drive-share-none = This item is not shared, and it has no links.
drive-share-revoke-hint = Ending a share or a link takes effect at once.
drive-share-a-link-password = A link with a password
drive-share-no-expiry = Does not expire
drive-share-revoke = End the share with { $who }
drive-share-revoke-link = End the link of { $created }
drive-mine-title = Shared by me
drive-mine-empty = You have not shared anything.
drive-mine-intro = Everything you have shared with others or by link.
drive-purge-link = Delete { $name } for good…
drive-empty-heading = Empty the trash
drive-purge-hint = Deleting for good cannot be undone. Content under a legal hold or a minimum retention time stays.
drive-empty-link = Empty the trash…
drive-purge-title = Delete { $name } for good?
drive-empty-title = Empty the trash of { $drive }?
drive-purge-warning = This cannot be undone: what is listed here, with its earlier versions, is deleted for good and can no longer be restored.
drive-purge-total = { $count ->
    [one] One item
   *[other] { $count } items
}, { $size } in all
drive-purge-submit = Delete { $name } for good
drive-empty-submit = Delete everything in the trash for good
drive-purge-cancel = Cancel and go back to the trash
drive-empty-partly = { $count ->
    [one] One item was deleted for good.
   *[other] { $count } items were deleted for good.
}
drive-empty-kept = { $count ->
    [one] One item must be kept:
   *[other] { $count } items must be kept:
}

# Share links as their recipients see them (/l/{token}), without an account.
link-dead-title = This link does not work (any more)
link-dead-text = The link may have expired or been withdrawn, or the address is incomplete.
link-dead-hint = Ask the person who sent it to you for a new link.
link-password-title = Shared with a password
link-password-intro = The person who shared this protected the link with a password. You should have received the password separately.
link-password-label = Password
link-password-submit = Open
link-password-wrong = That password is not right. Check it with the person who sent you the link.
link-password-empty = Enter the password to open the link.
link-expires = This link works until { $when }.
link-no-expiry = This link has no expiry date.
link-upload-title = Send files to { $name }
link-upload-heading = Send files
link-upload-intro = The files you send go into this folder. You cannot see what is in it, and a file with the same name as one already there is refused.
link-upload-choose = Choose files
link-upload-submit = Send
link-upload-none = Choose at least one file to send.
link-sent = { $count ->
    [one] One file was received. Thank you!
   *[other] { $count } files were received. Thank you!
}
link-file-heading = The shared file
link-col-name = Name
link-col-size = Size
link-col-modified = Changed
link-download = Download { $name }
link-folder-heading = Files in the folder
link-folder-empty = The folder is empty.
link-folder = folder
