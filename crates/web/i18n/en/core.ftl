# Suveren web UI, English. Message ids are shared by nb.ftl and sv.ftl;
# a test fails when one language lacks a message.

app-name = Suveren
skip-to-content = Skip to content
nav-main = Main menu
nav-home = Home
nav-drive = Files
nav-directory = People
nav-lockbox = Lockbox
nav-settings = Settings
nav-admin = Administration
nav-operator = Operations
nav-audit = Audit log
language = Language
language-choose = Change language
signed-in-as = Signed in as { $name }
sign-out = Sign out

signin-title = Sign in
signin-intro = Sign in with your work account.
signin-login = User name
signin-login-hint = Usually your e-mail address, for example kari.nordmann@kommune.no
signin-password = Password
signin-totp = Code from your authenticator app
signin-totp-hint = Six digits. Leave empty if you have not set up an authenticator.
signin-submit = Sign in
signin-oidc = Sign in with your municipality
signin-oidc-org = Sign in with { $org }
signin-failed = Sign-in failed: { $reason }
signin-expired = Your session has ended. Sign in again to continue.

home-title = Home
home-welcome = Welcome, { $name }
home-drives = Your drives
home-notices = Access to your content
home-no-notices = No one has been given access to your content.
home-tasks = Waiting for you
home-pending = { $count ->
    [one] One lockbox request waits for your review.
   *[other] { $count } lockbox requests wait for your review.
}

error-title = Something went wrong
error-not-found = Not found. It does not exist, or you do not have access to it.
error-denied = Not allowed: { $reason }
error-form = The form could not be read: { $reason }
error-csrf = The form had expired. Go back, reload the page and try again.
error-back = Back to the home page

level-banner = { $level }: { $text }

# Why signing in failed: the service's sentences (ids in
# suveren_service::messages; the API answers them in English) and the
# sign-in's own.
err-wrong-password = Wrong login or password.
err-wrong-totp = Wrong or already used authenticator code.
err-wrong-recovery = Wrong or already used recovery code.
signin-err-mfa = This account signs in with a second factor: enter the code from your authenticator app as well.
signin-err-throttled = Too many failed sign-ins. Try again in { $n ->
        [one] one second
       *[other] { $seconds } seconds
    }.
