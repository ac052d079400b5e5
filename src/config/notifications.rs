//! The notification settings: where e-mail and text messages go, when customers may be
//! contacted, and which reminders are sent.

use adapters::secret::Secret;
use domain::notices::window::QuietHours;

use super::ConfigError;

/// Where messages go and when.
#[derive(Clone, Debug)]
pub struct NotificationSettings {
    /// `FENQI_SMTP_URL`: the SMTP server for e-mail (`smtp://host:25`,
    /// `smtp://user:pass@host:587?tls=required`, `smtps://…`). Unset: e-mail stays in the
    /// outbox (the embedded demo reads it there).
    pub smtp_url: Option<Secret>,
    /// `FENQI_SMTP_FROM` (default `Fenqi <no-reply@fenqi.local>`): the sender.
    pub smtp_from: String,
    /// `FENQI_SMS_URL`: the SMS gateway's URL. Unset: texts stay in the outbox.
    pub sms_url: Option<Secret>,
    /// `FENQI_CONTACT_QUIET_HOURS` (default `22:00-08:00`): no contact in these local hours.
    pub quiet_hours: QuietHours,
    /// `FENQI_REMINDER_DAYS` (default `3,1`): days before a due date to remind.
    pub reminder_days_before: Vec<u32>,
    /// `FENQI_OVERDUE_REMINDER_DAYS` (default `1,7`): days past due to announce.
    pub overdue_reminder_days: Vec<u32>,
    /// `FENQI_DELIVERY_SCHEDULE` (default every 5 seconds): how often the worker sends
    /// what the outbox holds.
    pub delivery_schedule: String,
}

/// A list of distinct days from 1 to 60, like `3,1`.
fn days(
    get: &dyn Fn(&str) -> Option<String>,
    name: &'static str,
    default: &[u32],
) -> Result<Vec<u32>, ConfigError> {
    let Some(v) = get(name) else {
        return Ok(default.to_vec());
    };
    let parsed: Result<Vec<u32>, _> = v.split(',').map(|d| d.trim().parse::<u32>()).collect();
    match parsed {
        Ok(mut list) if !list.is_empty() && list.iter().all(|d| (1..=60).contains(d)) => {
            list.sort_unstable();
            list.dedup();
            Ok(list)
        }
        _ => Err(ConfigError::new(
            name,
            format!("'{v}' is not a list of days from 1 to 60, like 3,1"),
        )),
    }
}

/// Reads the notification settings through `get` (trimmed, empty as unset).
pub(super) fn read(
    get: &dyn Fn(&str) -> Option<String>,
) -> Result<NotificationSettings, ConfigError> {
    let smtp_from = get("FENQI_SMTP_FROM").unwrap_or_else(|| "Fenqi <no-reply@fenqi.local>".into());
    let smtp_url = get("FENQI_SMTP_URL").map(Secret::new);
    if let Some(url) = &smtp_url {
        // Built once here so a wrong URL or sender stops the start with its reason.
        adapters::notifier::SmtpNotifier::check(url.expose(), &smtp_from).map_err(|e| {
            let setting = match e {
                adapters::notifier::smtp::SmtpConfigError::From(_) => "FENQI_SMTP_FROM",
                adapters::notifier::smtp::SmtpConfigError::Url(_) => "FENQI_SMTP_URL",
            };
            ConfigError::new(setting, e.to_string())
        })?;
    }
    let sms_url = get("FENQI_SMS_URL").map(Secret::new);
    if let Some(url) = &sms_url {
        adapters::notifier::SmsGateway::new(url.expose())
            .map_err(|e| ConfigError::new("FENQI_SMS_URL", e))?;
    }
    let quiet_hours = match get("FENQI_CONTACT_QUIET_HOURS") {
        None => QuietHours::guideline(),
        Some(v) => QuietHours::parse(&v).ok_or_else(|| {
            ConfigError::new(
                "FENQI_CONTACT_QUIET_HOURS",
                format!("'{v}' is not a span of local time like 22:00-08:00"),
            )
        })?,
    };
    Ok(NotificationSettings {
        smtp_url,
        smtp_from,
        sms_url,
        quiet_hours,
        reminder_days_before: days(get, "FENQI_REMINDER_DAYS", &[1, 3])?,
        overdue_reminder_days: days(get, "FENQI_OVERDUE_REMINDER_DAYS", &[1, 7])?,
        delivery_schedule: get("FENQI_DELIVERY_SCHEDULE").unwrap_or_else(|| "*/5 * * * * *".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(pairs: &[(&str, &str)]) -> Result<NotificationSettings, ConfigError> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        read(&move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn defaults_keep_messages_in_the_outbox_and_follow_the_guideline() {
        let s = with(&[]).expect("defaults");
        assert!(s.smtp_url.is_none() && s.sms_url.is_none());
        assert_eq!(s.quiet_hours, QuietHours::guideline());
        assert_eq!(s.reminder_days_before, vec![1, 3]);
        assert_eq!(s.overdue_reminder_days, vec![1, 7]);
    }

    #[test]
    fn wrong_values_name_their_setting() {
        for (name, value) in [
            ("FENQI_SMTP_URL", "http://mail"),
            ("FENQI_SMTP_FROM", "nobody"),
            ("FENQI_SMS_URL", "ftp://gateway"),
            ("FENQI_CONTACT_QUIET_HOURS", "late"),
            ("FENQI_REMINDER_DAYS", "0"),
            ("FENQI_OVERDUE_REMINDER_DAYS", "1,x"),
        ] {
            let mut pairs = vec![(name, value)];
            if name == "FENQI_SMTP_FROM" {
                pairs.push(("FENQI_SMTP_URL", "smtp://127.0.0.1:2525"));
            }
            let e = with(&pairs).expect_err(name);
            assert_eq!(e.setting, name, "{e:?}");
        }
        let s = with(&[("FENQI_SMTP_URL", "smtp://u:secret@mail:587?tls=required")]).expect("ok");
        assert!(!format!("{s:?}").contains("secret"));
    }
}
