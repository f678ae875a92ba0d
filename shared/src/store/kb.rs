//! The knowledge base's sources in the store — every item's FAQ and every published
//! consultation answer — built into a [`KbIndex`] and kept per process for [`FRESH_FOR`], so a
//! search usually costs no store round trip at all, and otherwise two queries (one per 1000
//! guides, one per 1000 published answers).

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use super::{RecordStore, StoreResult, catalogue, consultations};
use crate::domain::{
    catalogue::LicensingItem,
    kb::{KbDocument, KbEntry, KbIndex, KbSource},
    tracking::PublishedReply,
};

/// How long a process trusts its index; an answer published elsewhere is found within this time.
pub const FRESH_FOR: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct KbCache {
    cached: RwLock<Option<(Instant, Arc<KbIndex>)>>,
}

impl KbCache {
    /// The index, rebuilt from the store when the cached one is older than [`FRESH_FOR`].
    pub async fn get(&self, store: &dyn RecordStore) -> StoreResult<Arc<KbIndex>> {
        if let Some((at, index)) = self.cached.read().expect("kb cache lock").as_ref()
            && at.elapsed() < FRESH_FOR
        {
            return Ok(index.clone());
        }
        let index = Arc::new(load(store).await?);
        *self.cached.write().expect("kb cache lock") = Some((Instant::now(), index.clone()));
        Ok(index)
    }

    /// Forgets the index (after this process published an answer).
    pub fn invalidate(&self) {
        *self.cached.write().expect("kb cache lock") = None;
    }
}

/// The documents of the knowledge base: FAQ entries first, then published answers.
pub fn documents(guides: &[LicensingItem], answers: &[PublishedReply]) -> Vec<KbDocument> {
    let names: HashMap<&str, &str> = guides.iter().map(|g| (g.code.as_str(), g.name.as_str())).collect();
    let faq = guides.iter().flat_map(|item| {
        item.faq.iter().map(|f| KbDocument {
            entry: KbEntry {
                title: f.question.clone(),
                answer: f.answer.clone(),
                source: KbSource::Faq,
                item_code: Some(item.code.as_str().to_owned()),
                item_name: Some(item.name.clone()),
                reference: None,
            },
            heading: f.question.clone(),
            body: format!("{} {}", item.name, f.answer),
        })
    });
    let replies = answers.iter().map(|r| {
        let item_name = r.item_code.as_deref().and_then(|c| names.get(c)).map(|n| n.to_string());
        KbDocument {
            entry: KbEntry {
                title: r.question.clone(),
                answer: r.answer.clone(),
                source: KbSource::PublishedReply,
                item_code: r.item_code.clone(),
                item_name: item_name.clone(),
                reference: Some(r.number.as_str().to_owned()),
            },
            heading: r.question.clone(),
            body: format!("{} {}", item_name.unwrap_or_default(), r.answer),
        }
    });
    faq.chain(replies).collect()
}

/// Reads the sources and builds the index.
pub async fn load(store: &dyn RecordStore) -> StoreResult<KbIndex> {
    let guides = catalogue::guides(store).await?;
    let answers = consultations::published_answers(store).await?;
    Ok(KbIndex::build(documents(&guides, &answers)))
}
