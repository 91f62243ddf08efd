// Show the new passkey (and, for a required enrolment, open the admin) once it is registered.
document.addEventListener("otp_webauthn.register_complete", () => window.location.reload());
