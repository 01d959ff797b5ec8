//! Alerts (Logflare's "alert queries"): a BigQuery-SQL query run on a cron schedule, on
//! whichever backend Cinder stores events in; when it returns rows they go to the alert's
//! webhook (`{"result": rows}`), its Slack hook and its webhook drains. Each run is kept in
//! the alert's history.
//!
//! The schedule is in memory: on start (and when an alert's cron changes) the next run is the
//! first one after now, so runs missed while Cinder was down are not replayed. One alert never
//! runs twice at once; a run due while the previous one is still going is skipped.
//!
//! Creating, changing, deleting and running alerts are here; the JSON API (and any other
//! adapter) calls these.

pub mod model;
mod notify;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use parking_lot::Mutex;
use serde_json::{Map, Value};
use tokio::sync::Semaphore;
use uuid::Uuid;

pub use model::{Alert, AlertRuns, Delivery, Run, Trigger};

use crate::catalog::Catalog;
use crate::drains::{Drain, DrainType};
use crate::endpoints::Endpoints;
use crate::error::{catalog_error, ApiError};
use notify::Notification;

/// How often the schedule is looked at.
const TICK: Duration = Duration::from_secs(1);
/// Alerts running at once.
const CONCURRENCY: usize = 2;
/// Time for one notification request.
const NOTIFY_TIMEOUT: Duration = Duration::from_secs(15);

/// Runs alerts, on their schedule and on demand, and keeps their history.
pub struct Alerts {
    catalog: Arc<Catalog>,
    endpoints: Arc<Endpoints>,
    client: reqwest::Client,
    min_interval: Duration,
    /// Alerts running now.
    running: Mutex<HashSet<Uuid>>,
    /// Serialises history writes, so two runs of one alert never lose each other's record.
    history: tokio::sync::Mutex<()>,
}

/// Where an alert stands in the schedule.
struct Next {
    cron: String,
    at: Option<DateTime<Utc>>,
}

impl Alerts {
    /// Alerts over `catalog`, running their queries through `endpoints`; a cron expression
    /// may not run more often than every `min_interval`.
    pub fn new(catalog: Arc<Catalog>, endpoints: Arc<Endpoints>, min_interval: Duration) -> Self {
        let client = reqwest::Client::builder()
            .timeout(NOTIFY_TIMEOUT)
            .user_agent(concat!("cinder/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("an HTTP client");
        Self {
            catalog,
            endpoints,
            client,
            min_interval,
            running: Mutex::new(HashSet::new()),
            history: tokio::sync::Mutex::new(()),
        }
    }

    /// The API's view of an alert, with its drains.
    pub fn render(&self, alert: &Alert) -> Value {
        let backends = alert
            .backend_ids
            .iter()
            .filter_map(|id| self.catalog.find(|drain: &Drain| drain.id == *id))
            .map(|drain| drain.render())
            .collect();
        alert.render(backends)
    }

    /// Checks an alert about to be saved: its query translates for the backend in use, its
    /// drains exist. Fills its source mapping.
    fn checked(&self, mut alert: Alert) -> Result<Alert, ApiError> {
        alert.source_mapping = self
            .endpoints
            .check_saved(&alert.query, None, model::MAX_ROWS)
            .map_err(|message| ApiError::invalid("query", message))?;
        for id in &alert.backend_ids {
            if self.catalog.find(|drain: &Drain| drain.id == *id).is_none() {
                return Err(ApiError::invalid(
                    "backend_ids",
                    format!("there is no backend with id {id}"),
                ));
            }
        }
        Ok(alert)
    }

    /// Creates an alert from Logflare's fields (`name`, `query` and `cron` required).
    pub async fn create(&self, fields: &Map<String, Value>) -> Result<Arc<Alert>, ApiError> {
        let mut alert = Alert::new(&crate::now_rfc3339());
        let mut all = Map::new();
        for field in ["name", "query", "cron"] {
            all.insert(field.to_owned(), fields.get(field).cloned().unwrap_or(Value::Null));
        }
        all.extend(fields.clone());
        alert.apply(&all, self.min_interval)?;
        let alert = self.checked(alert)?;
        self.catalog
            .put(|id| Alert { id, ..alert })
            .await
            .map_err(catalog_error)
    }

    /// Changes the fields `fields` names.
    pub async fn update(&self, current: &Alert, fields: &Map<String, Value>) -> Result<Arc<Alert>, ApiError> {
        let mut alert = current.clone();
        alert.apply(fields, self.min_interval)?;
        alert.updated_at = crate::now_rfc3339();
        let alert = self.checked(alert)?;
        self.catalog.put(|_| alert).await.map_err(catalog_error)
    }

    /// Deletes an alert and its history. `NotFound` when there is none.
    pub async fn delete(&self, token: &Uuid) -> Result<(), ApiError> {
        self.catalog.remove::<Alert>(token).await?.ok_or(ApiError::NotFound)?;
        let _history = self.history.lock().await;
        self.catalog.remove::<AlertRuns>(token).await?;
        Ok(())
    }

    /// An alert's last runs, newest first.
    pub fn runs(&self, token: &Uuid) -> Vec<Run> {
        self.catalog
            .get::<AlertRuns>(token)
            .map(|history| history.runs.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Runs an alert now: its query, then, when it returns rows, its notifications. The run is
    /// added to the alert's history. `None` when the alert is already running.
    pub async fn run(&self, alert: &Alert, trigger: Trigger) -> Option<Run> {
        if !self.running.lock().insert(alert.token) {
            return None;
        }
        let run = self.execute(alert, trigger).await;
        self.running.lock().remove(&alert.token);
        let outcome = match (&run.error, run.fired) {
            (Some(_), _) => "failed",
            (None, true) => "fired",
            (None, false) => "quiet",
        };
        crate::metrics::metrics()
            .alert_runs
            .get_or_create(&[("result", outcome.to_owned())])
            .inc();
        if let Err(error) = self.record(alert, run.clone()).await {
            tracing::error!(alert = %alert.name, %error, "cannot store the alert's run in its history");
        }
        Some(run)
    }

    async fn execute(&self, alert: &Alert, trigger: Trigger) -> Run {
        let started_at = crate::now_rfc3339();
        let started = Instant::now();
        let result = self
            .endpoints
            .run_saved(&alert.query, &alert.source_mapping, model::MAX_ROWS, "alerts")
            .await;
        let duration_ms = started.elapsed().as_millis() as u64;
        let mut run = Run {
            started_at,
            trigger,
            duration_ms,
            rows: 0,
            fired: false,
            error: None,
            deliveries: Vec::new(),
        };
        let rows = match result {
            Ok(rows) => rows,
            Err(error) => {
                tracing::warn!(alert = %alert.name, %error, "an alert's query failed");
                run.error = Some(error);
                return run;
            }
        };
        run.rows = rows.len();
        run.fired = !rows.is_empty();
        if run.fired {
            let notifications = self.notifications(alert, &rows);
            let sends = notifications
                .iter()
                .map(|notification| notify::send(&self.client, notification));
            run.deliveries = futures_util::future::join_all(sends).await;
            for delivery in run.deliveries.iter().filter(|delivery| !delivery.ok) {
                tracing::warn!(alert = %alert.name, target = %delivery.target, error = ?delivery.error, "an alert's notification was not delivered");
            }
        }
        run
    }

    /// Where an alert's rows go.
    fn notifications(&self, alert: &Alert, rows: &[Map<String, Value>]) -> Vec<Notification> {
        let mut notifications = Vec::new();
        let webhook = notify::webhook_body(rows);
        if let Some(url) = &alert.webhook_notification_url {
            notifications.push(Notification {
                target: "webhook".to_owned(),
                url: url.clone(),
                headers: Vec::new(),
                body: webhook.clone(),
            });
        }
        if let Some(url) = &alert.slack_hook_url {
            notifications.push(Notification {
                target: "slack".to_owned(),
                url: url.clone(),
                headers: Vec::new(),
                body: notify::slack_body(&alert.name, rows, None),
            });
        }
        for id in &alert.backend_ids {
            let Some(drain) = self.catalog.find(|drain: &Drain| drain.id == *id) else {
                continue;
            };
            let url = drain.config.get("url").and_then(Value::as_str);
            match (drain.kind, url) {
                (DrainType::Webhook, Some(url)) => notifications.push(Notification {
                    target: format!("backend:{}", drain.name),
                    url: url.to_owned(),
                    headers: drain
                        .config
                        .get("headers")
                        .and_then(Value::as_object)
                        .into_iter()
                        .flatten()
                        .filter_map(|(name, value)| Some((name.clone(), value.as_str()?.to_owned())))
                        .collect(),
                    body: webhook.clone(),
                }),
                _ => {
                    tracing::warn!(alert = %alert.name, backend = %drain.name, kind = ?drain.kind, "alerts are sent to webhook backends only; this one is skipped")
                }
            }
        }
        notifications
    }

    /// Adds a run to the front of the alert's history, keeping the last [`model::HISTORY`].
    async fn record(&self, alert: &Alert, run: Run) -> Result<(), crate::catalog::CatalogError> {
        let _history = self.history.lock().await;
        if self.catalog.get::<Alert>(&alert.token).is_none() {
            return Ok(()); // deleted while it ran
        }
        let mut runs = self
            .catalog
            .get::<AlertRuns>(&alert.token)
            .map(|history| history.runs.clone())
            .unwrap_or_default();
        runs.push_front(run);
        runs.truncate(model::HISTORY);
        self.catalog
            .put(|_| AlertRuns {
                id: alert.id,
                token: alert.token,
                runs,
            })
            .await?;
        Ok(())
    }

    /// Runs enabled alerts when their cron says, until the process ends.
    pub async fn run_schedule(self: Arc<Self>) {
        let permits = Arc::new(Semaphore::new(CONCURRENCY));
        let mut schedule: HashMap<Uuid, Next> = HashMap::new();
        let mut ticker = tokio::time::interval(TICK);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let now = Utc::now();
            let alerts = self.catalog.all::<Alert>();
            schedule.retain(|token, _| alerts.iter().any(|alert| alert.token == *token && alert.enabled));
            for alert in alerts.into_iter().filter(|alert| alert.enabled) {
                let next = schedule.entry(alert.token).or_insert_with(|| Next {
                    cron: String::new(),
                    at: None,
                });
                if next.cron != alert.cron {
                    next.cron = alert.cron.clone();
                    next.at = match alert.schedule() {
                        Ok(cron) => cron.next_after(now),
                        Err(error) => {
                            tracing::error!(alert = %alert.name, %error, "the alert's cron cannot be read; it does not run");
                            None
                        }
                    };
                }
                let Some(due) = next.at.filter(|due| *due <= now) else {
                    continue;
                };
                // The next run comes after now: runs missed (a slow query, a pause) are not
                // made up for.
                next.at = alert.schedule().ok().and_then(|cron| cron.next_after(now.max(due)));
                let (this, permits) = (self.clone(), permits.clone());
                tokio::spawn(async move {
                    // Alerts due together wait for each other here.
                    let Ok(_permit) = permits.acquire_owned().await else {
                        return;
                    };
                    if this.run(&alert, Trigger::Scheduled).await.is_none() {
                        tracing::warn!(alert = %alert.name, "the alert's previous run is still going; this run is skipped");
                    }
                });
            }
        }
    }
}
