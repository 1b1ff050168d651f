"""Signing in: accounts, sessions, django-allauth (email codes, TOTP, Google and LinkedIn)."""

from hematoportal.settings.environment import SITE_NAME, env, rate_limit, secret

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "/accounts/login/"

# Sessions end after SESSION_IDLE_TIMEOUT seconds without a request (idle timeout).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# django-allauth: email + password or a one-time email code; email verified by code.
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# Sign-up may ask to join a lab by name (accounts.forms.SignupForm); the log-in form says
# plainly why a log-in must wait (accounts.forms.LoginForm).
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm", "login": "accounts.forms.LoginForm"}
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
# Failed log-ins are limited per account; per address only loosely, since a lab's computers
# often share one public address and one mistyping colleague must not lock out the others.
ACCOUNT_RATE_LIMITS = {
    "login_failed": ",".join(
        [
            rate_limit("RATE_LIMIT_LOGIN_FAILED_PER_ADDRESS", default="100/5m") + "/ip",
            rate_limit("RATE_LIMIT_LOGIN_FAILED_PER_ACCOUNT", default="5/5m") + "/key",
        ]
    ),
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
USERSESSIONS_TRACK_ACTIVITY = True

# Google and LinkedIn (OpenID Connect) are offered only when their credentials are configured,
# here or as SocialApp rows in the admin.
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_PROVIDERS: dict = {}
if env.str("GOOGLE_CLIENT_ID", default="") and secret("GOOGLE_CLIENT_SECRET"):
    SOCIALACCOUNT_PROVIDERS["google"] = {
        "APPS": [
            {
                "client_id": env.str("GOOGLE_CLIENT_ID"),
                "secret": secret("GOOGLE_CLIENT_SECRET"),
            }
        ],
        "SCOPE": ["openid", "email", "profile"],
    }
if env.str("LINKEDIN_CLIENT_ID", default="") and secret("LINKEDIN_CLIENT_SECRET"):
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [
            {
                "provider_id": "linkedin",
                "name": "LinkedIn",
                "client_id": env.str("LINKEDIN_CLIENT_ID"),
                "secret": secret("LINKEDIN_CLIENT_SECRET"),
                "settings": {"server_url": "https://www.linkedin.com/oauth"},
            }
        ]
    }
