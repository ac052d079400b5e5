//! The simulated partners of the demo and of `fenqi partner-sim`: real HTTP servers that
//! speak the partner protocol (docs/platforms.md), so a newcomer running `cargo run` sees
//! the recommendation compare real partners, and a developer can run one by hand.
//!
//! The demo registers `partner-a` and `partner-b` with a random shared secret; each
//! embedded, loopback-only start runs them in-process on free loopback ports and points
//! the registry at them, with their callbacks addressed to this API.

use std::net::SocketAddr;

use adapters::simulators::partner::{
    DemoCatalogue, PartnerHandle, PartnerSimConfig, PartnerSimulator,
};
use domain::customers::Channel;
use domain::platforms::{PlatformInput, PlatformKind};
use domain::{Domain, DomainError, DomainResult};

use crate::config::ConfigError;

/// The demo partners: code, name, channels, policy.
const DEMO_PARTNERS: [(&str, &str, &[Channel], &str); 2] = [
    (
        "partner-a",
        "Huifu Pay (simulated partner A)",
        &[Channel::App],
        "Installments by Huifu Pay, a payment company. Plans are serviced in the Huifu app; \
         payments are debited from the card linked there. 汇付分期：在汇付App内管理，按期从绑定银行卡扣款。",
    ),
    (
        "partner-b",
        "Xiaoying Finance (simulated partner B)",
        &[Channel::Sms, Channel::App],
        "Fee-based installments by Xiaoying Consumer Finance. A fixed fee each period on the \
         original amount; reminders by SMS. 小赢消费金融：按期收取固定手续费，短信提醒还款。",
    ),
];

/// Registers the demo partners that are not registered yet, each with a fresh secret.
pub async fn register_demo_partners(domain: &Domain) -> DomainResult<()> {
    for (code, name, channels, policy) in DEMO_PARTNERS {
        if domain.platform_secret(code).await?.is_some() {
            continue;
        }
        let catalogue = DemoCatalogue::for_code(code)
            .ok_or_else(|| DomainError::Internal(format!("no demo catalogue for {code}")))?;
        domain
            .register_platform(PlatformInput {
                code: code.into(),
                kind: PlatformKind::External,
                name: name.into(),
                // Replaced by the simulator's address at every start.
                base_url: Some("http://127.0.0.1:9".into()),
                client_id: Some("fenqi-demo".into()),
                // A random key of 32 bytes, made like the personal-data index key.
                secret: Some(domain::pii::KeyRing::generate_config()?.1),
                products: catalogue.products(),
                channels: channels.to_vec(),
                policy_text: policy.into(),
                active: true,
            })
            .await?;
    }
    Ok(())
}

/// Starts the registered demo partners in this process and points the registry at them;
/// their callbacks go to `api_base` (`http://127.0.0.1:8080`). Partners not registered
/// (a database without the demo data) are skipped.
pub async fn start_demo_partners(
    domain: &Domain,
    api_base: &str,
) -> DomainResult<Vec<PartnerHandle>> {
    let mut handles = Vec::new();
    for (code, ..) in DEMO_PARTNERS {
        let (Some(secret), Some(catalogue)) = (
            domain.platform_secret(code).await?,
            DemoCatalogue::for_code(code),
        ) else {
            continue;
        };
        let mut config = PartnerSimConfig::demo(code, secret, catalogue);
        config.callback_url = Some(format!("{api_base}/callbacks/{code}"));
        config.auto_callbacks = true;
        let handle = PartnerSimulator::start(config).await.map_err(|e| {
            DomainError::Unavailable(format!("the simulated partner {code} could not start: {e}"))
        })?;
        domain.move_platform(code, handle.base_url()).await?;
        tracing::info!(
            platform = code,
            base_url = handle.base_url(),
            "simulated partner started"
        );
        handles.push(handle);
    }
    Ok(handles)
}

/// `fenqi partner-sim`: one simulated partner until Ctrl-C, from
/// `FENQI_PARTNER_SIM_CODE` (`partner-a` or `partner-b`), `FENQI_PARTNER_SIM_SECRET`
/// (required, the secret registered for it), `FENQI_PARTNER_SIM_BIND`
/// (`127.0.0.1:9101`) and `FENQI_PARTNER_SIM_CALLBACK_URL` (where its callbacks go).
pub async fn run_partner_sim() -> Result<(), ConfigError> {
    let get = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let code = get("FENQI_PARTNER_SIM_CODE").unwrap_or_else(|| "partner-a".into());
    let catalogue = DemoCatalogue::for_code(&code).ok_or_else(|| {
        ConfigError::new(
            "FENQI_PARTNER_SIM_CODE",
            "the simulator offers the catalogues of partner-a and partner-b",
        )
    })?;
    let secret = get("FENQI_PARTNER_SIM_SECRET").ok_or_else(|| {
        ConfigError::new(
            "FENQI_PARTNER_SIM_SECRET",
            "give the shared secret registered for this partner (upsertPlatform's secret)",
        )
    })?;
    let bind: SocketAddr = get("FENQI_PARTNER_SIM_BIND")
        .unwrap_or_else(|| "127.0.0.1:9101".into())
        .parse()
        .map_err(|e| ConfigError::new("FENQI_PARTNER_SIM_BIND", format!("not host:port: {e}")))?;
    let mut config = PartnerSimConfig::demo(code.clone(), secret, catalogue).with_bind(bind);
    if let Some(url) = get("FENQI_PARTNER_SIM_CALLBACK_URL") {
        config.callback_url = Some(url);
        config.auto_callbacks = true;
    }
    let handle = PartnerSimulator::start(config)
        .await
        .map_err(|e| ConfigError::new("FENQI_PARTNER_SIM_BIND", format!("cannot listen: {e}")))?;
    println!(
        "simulated partner {code} listening on {}",
        handle.base_url()
    );
    let _ = tokio::signal::ctrl_c().await;
    handle.stop().await;
    Ok(())
}
