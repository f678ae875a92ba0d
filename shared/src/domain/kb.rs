//! The knowledge base's search (§4.3 c): an inverted index of character bigrams, ranked by BM25.
//!
//! Chinese is written without spaces, so a query such as `食品经营许可 需要什么材料` cannot be
//! split on blanks, and a plain substring scan finds nothing as soon as the user's wording
//! differs from the text by one character. Instead every run of Chinese characters is cut into
//! overlapping two-character terms (食品 品经 经营 营许 许可 …; most Chinese words are one or two
//! characters long, and longer words are covered by their overlapping pairs) plus single
//! characters, and Latin letters and digits into lower-case words. No dictionary is needed, so
//! nothing is loaded at cold start and new terms (item names, place names) work at once.
//!
//! Ranking is BM25 (k1 = 1.2, b = 0.75) with the heading (the question) counting twice. Two
//! rules keep noise out, so that an unrelated question finds nothing rather than whatever shares
//! 许可 or 需要 with it:
//! - *informative*: an entry must match at least one query term that occurs in at most half of
//!   the entries (许可, 办理, 的 alone never make a hit);
//! - *coverage*: the query terms an entry matches must carry at least [`MIN_COVERAGE`] of the
//!   weight (IDF) of all the query's terms. A term the index has never seen weighs as much as
//!   the rarest possible term (量子 in 量子计算机 is as important as 计算机), except a pair whose
//!   two characters both belong to known neighbouring pairs: it only spans two words of the
//!   query (阳开 in 贵阳开一家) and weighs nothing.
//!
//! Long sentences full of words the knowledge base does not contain may therefore find nothing;
//! key words (`食品经营许可 材料`) or the question as people ask it find their answers.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

const K1: f64 = 1.2;
const B: f64 = 0.75;
/// How much more a term counts in the heading than in the body.
const HEADING_WEIGHT: f32 = 2.0;
/// A term in more than this share of the entries is too common to make a hit on its own.
pub const COMMON_SHARE: f64 = 0.5;
/// The share of the query's weight an entry must match.
pub const MIN_COVERAGE: f64 = 0.5;

/// Where an entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KbSource {
    /// A question of an item's service guide (§4.1.2 g).
    Faq,
    /// A consultation answer published with the asker's consent.
    PublishedReply,
}

/// What a hit shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KbEntry {
    pub title: String,
    pub answer: String,
    pub source: KbSource,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_name: Option<String>,
    /// The consultation number of a published reply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// An entry with the text it is found by.
#[derive(Debug, Clone)]
pub struct KbDocument {
    pub entry: KbEntry,
    /// Counts [`HEADING_WEIGHT`] times (the question).
    pub heading: String,
    /// The answer and context such as the item's name.
    pub body: String,
}

/// Lower case, and full-width Latin letters and digits (ＡＢＣ１２３) as ASCII.
fn normalise(c: char) -> char {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    c.to_ascii_lowercase()
}

enum Run {
    Latin(String),
    Han(Vec<char>),
}

/// Maximal runs of ASCII letters and digits, and of other letters (Chinese characters); anything
/// else (spaces, punctuation) separates runs.
fn runs(text: &str) -> Vec<Run> {
    let mut out = Vec::new();
    let mut latin = String::new();
    let mut han = Vec::new();
    for c in text.chars().map(normalise) {
        if c.is_ascii_alphanumeric() {
            if !han.is_empty() {
                out.push(Run::Han(std::mem::take(&mut han)));
            }
            latin.push(c);
        } else if c.is_alphanumeric() {
            if !latin.is_empty() {
                out.push(Run::Latin(std::mem::take(&mut latin)));
            }
            han.push(c);
        } else {
            if !latin.is_empty() {
                out.push(Run::Latin(std::mem::take(&mut latin)));
            }
            if !han.is_empty() {
                out.push(Run::Han(std::mem::take(&mut han)));
            }
        }
    }
    if !latin.is_empty() {
        out.push(Run::Latin(latin));
    }
    if !han.is_empty() {
        out.push(Run::Han(han));
    }
    out
}

/// The terms a text is indexed under, repeated as often as they occur: Latin words, and for
/// Chinese every character and every pair of neighbours.
pub fn index_terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for run in runs(text) {
        match run {
            Run::Latin(word) => out.push(word),
            Run::Han(chars) => {
                out.extend(chars.iter().map(|c| c.to_string()));
                out.extend(chars.windows(2).map(|w| w.iter().collect::<String>()));
            }
        }
    }
    out
}

/// The distinct terms a query looks for: Latin words, and for Chinese the pairs of neighbours,
/// or the character itself when it stands alone.
pub fn query_terms(query: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for run in runs(query) {
        let terms: Vec<String> = match run {
            Run::Latin(word) => vec![word],
            Run::Han(chars) if chars.len() == 1 => vec![chars[0].to_string()],
            Run::Han(chars) => chars.windows(2).map(|w| w.iter().collect()).collect(),
        };
        for t in terms {
            if seen.insert(t.clone()) {
                out.push(t);
            }
        }
    }
    out
}

/// The entries a term occurs in, with its weighted frequency there.
type Postings = Vec<(u32, f32)>;

/// The built index: immutable, cheap to share between requests.
#[derive(Debug, Default)]
pub struct KbIndex {
    entries: Vec<KbEntry>,
    postings: HashMap<String, Postings>,
    lengths: Vec<f32>,
    average_length: f64,
}

/// One result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit<'a> {
    pub entry: &'a KbEntry,
    pub score: f64,
}

impl KbIndex {
    pub fn build(documents: Vec<KbDocument>) -> Self {
        let mut postings: HashMap<String, Postings> = HashMap::new();
        let mut lengths = Vec::with_capacity(documents.len());
        let mut entries = Vec::with_capacity(documents.len());
        for (i, doc) in documents.into_iter().enumerate() {
            let mut tf: HashMap<String, f32> = HashMap::new();
            for t in index_terms(&doc.heading) {
                *tf.entry(t).or_default() += HEADING_WEIGHT;
            }
            for t in index_terms(&doc.body) {
                *tf.entry(t).or_default() += 1.0;
            }
            lengths.push(tf.values().sum());
            for (term, f) in tf {
                postings.entry(term).or_default().push((i as u32, f));
            }
            entries.push(doc.entry);
        }
        let average_length = if lengths.is_empty() {
            0.0
        } else {
            lengths.iter().map(|&l| f64::from(l)).sum::<f64>() / lengths.len() as f64
        };
        Self { entries, postings, lengths, average_length }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn idf(&self, df: usize) -> f64 {
        let n = self.entries.len() as f64;
        let df = df as f64;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// The best `limit` entries for `query`, best first (ties in index order); none when nothing
    /// passes the two rules of the module docs.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit<'_>> {
        let n = self.entries.len() as f64;
        let terms = query_terms(query);
        let postings: Vec<Option<&Postings>> = terms.iter().map(|t| self.postings.get(t)).collect();
        let known = |i: usize| postings.get(i).is_some_and(|p| p.is_some());
        let mut total_weight = 0.0;
        // (postings, IDF, informative)
        let mut weighted: Vec<(&Postings, f64, bool)> = Vec::new();
        for (i, (term, p)) in terms.iter().zip(&postings).enumerate() {
            match p {
                Some(p) => {
                    let idf = self.idf(p.len());
                    total_weight += idf;
                    weighted.push((p, idf, p.len() as f64 <= n * COMMON_SHARE));
                }
                // A pair spanning two known words of the query: neighbours on both sides known.
                None if term.chars().count() == 2
                    && i > 0
                    && known(i - 1)
                    && known(i + 1)
                    && spans(&terms, i) => {}
                None => total_weight += self.idf(0),
            }
        }
        if weighted.is_empty() {
            return Vec::new();
        }
        // entry → (score, matched weight, matched an informative term)
        let mut acc: HashMap<u32, (f64, f64, bool)> = HashMap::new();
        for (postings, idf, informative) in &weighted {
            for &(doc, tf) in postings.iter() {
                let tf = f64::from(tf);
                let norm = 1.0 - B + B * f64::from(self.lengths[doc as usize]) / self.average_length;
                let a = acc.entry(doc).or_default();
                a.0 += idf * tf * (K1 + 1.0) / (tf + K1 * norm);
                a.1 += idf;
                a.2 |= informative;
            }
        }
        let mut hits: Vec<(u32, f64)> = acc
            .into_iter()
            .filter(|(_, (_, matched, informative))| *informative && *matched >= MIN_COVERAGE * total_weight)
            .map(|(doc, (score, _, _))| (doc, score))
            .collect();
        hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        hits.into_iter()
            .take(limit)
            .map(|(doc, score)| Hit { entry: &self.entries[doc as usize], score })
            .collect()
    }
}

/// Whether `terms[i]` is the pair between its neighbours in one run: its first character ends
/// the previous pair and its second starts the next.
fn spans(terms: &[String], i: usize) -> bool {
    let chars = |t: &String| t.chars().collect::<Vec<_>>();
    let (prev, this, next) = (chars(&terms[i - 1]), chars(&terms[i]), chars(&terms[i + 1]));
    prev.len() == 2 && next.len() == 2 && prev[1] == this[0] && this[1] == next[0]
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::seed::shipped_catalogue;

    fn faq_documents() -> Vec<KbDocument> {
        shipped_catalogue()
            .items
            .iter()
            .flat_map(|item| {
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
            })
            .collect()
    }

    fn top(index: &KbIndex, q: &str) -> Option<(String, String)> {
        index
            .search(q, 5)
            .first()
            .map(|h| (h.entry.item_code.clone().unwrap_or_default(), h.entry.title.clone()))
    }

    #[test]
    fn chinese_is_cut_into_pairs_and_latin_into_words() {
        assert_eq!(
            query_terms("食品经营许可 需要什么材料"),
            ["食品", "品经", "经营", "营许", "许可", "需要", "要什", "什么", "么材", "材料"]
        );
        assert_eq!(query_terms("药 GB５７４９，ＡＢ-c"), ["药", "gb5749", "ab", "c"]);
        assert_eq!(index_terms("许可证"), ["许", "可", "证", "许可", "可证"]);
        assert!(query_terms("，。！ ").is_empty());
    }

    #[test]
    fn the_food_licence_material_question_comes_first_for_a_query_without_spaces_between_words() {
        let index = KbIndex::build(faq_documents());
        let expected = Some(("GY-SCJG-001".to_owned(), "申请食品经营许可需要什么材料？".to_owned()));
        assert_eq!(top(&index, "食品经营许可 需要什么材料"), expected);
        assert_eq!(top(&index, "食品经营许可需要什么材料"), expected, "no space at all");
        assert_eq!(top(&index, "食品经营许可证要什么材料"), expected, "other wording");
    }

    #[test]
    fn real_questions_about_the_demo_items_find_their_answers() {
        let index = KbIndex::build(faq_documents());
        for (query, code, title_part) in [
            ("开药店要什么材料", "GY-SCJG-002", "开一家药店需要什么材料"),
            ("施工许可证多久必须开工", "GY-ZJJ-001", "多久必须开工"),
            ("旅行社质量保证金交多少", "GZ-WHLYT-001", "质量保证金"),
            ("理发店要办卫生许可证吗", "GY-WJW-001", "理发店"),
            ("开诊所需要执业登记吗", "GY-WJW-002", "开诊所"),
            ("网约车私家车可以接入平台吗", "GY-JTJ-004", "私家车"),
            ("食品经营许可证有效期", "GY-SCJG-001", "有效期"),
            ("出租车驾驶员要什么证", "GY-JTJ-003", "驾驶员"),
            ("危险品运输要几辆车", "GY-JTJ-002", "几辆车"),
            ("GB 5749", "GY-WJW-003", "水质"),
        ] {
            let (got_code, got_title) = top(&index, query).unwrap_or_else(|| panic!("{query}: nothing"));
            assert_eq!(got_code, code, "{query} → {got_title}");
            assert!(got_title.contains(title_part), "{query} → {got_title}");
        }
    }

    #[test]
    fn unrelated_or_empty_queries_find_nothing() {
        let index = KbIndex::build(faq_documents());
        for query in ["量子计算机", "火箭发射许可", "许可", "的", "xyzzy", "，。", ""] {
            let hits = index.search(query, 5);
            assert!(
                hits.is_empty(),
                "{query} found {:?}",
                hits.iter().map(|h| &h.entry.title).collect::<Vec<_>>()
            );
        }
        assert!(KbIndex::build(Vec::new()).search("食品", 5).is_empty());
    }

    #[test]
    fn results_are_best_first_and_limited() {
        let index = KbIndex::build(faq_documents());
        let hits = index.search("需要什么材料", 3);
        assert!(!hits.is_empty() && hits.len() <= 3);
        assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    }

    #[test]
    fn a_pair_spanning_two_known_words_weighs_nothing_but_an_unknown_word_does() {
        let doc = |text: &str| KbDocument {
            entry: KbEntry {
                title: text.into(),
                answer: String::new(),
                source: KbSource::Faq,
                item_code: None,
                item_name: None,
                reference: None,
            },
            heading: text.into(),
            body: String::new(),
        };
        let index = KbIndex::build(vec![doc("贵阳办事"), doc("开店指南"), doc("其他"), doc("另外")]);
        // 贵阳开店: 阳开 only joins 贵阳 and 开店, so each half of the query is half its weight.
        let titles: Vec<&str> = index.search("贵阳开店", 5).iter().map(|h| h.entry.title.as_str()).collect();
        assert_eq!(titles.len(), 2, "{titles:?}");
        // 量子贵阳: 量子 and 子贵 are unknown words, not joints, and outweigh 贵阳.
        assert!(index.search("量子贵阳", 5).is_empty());
    }

    proptest! {
        /// Every entry is found by its own question, and scores are finite and ordered.
        #[test]
        fn an_entry_is_found_by_its_own_question(pick in 0usize..64) {
            let docs = faq_documents();
            let doc = &docs[pick % docs.len()];
            let index = KbIndex::build(docs.clone());
            // Several items share a question (办理这个许可要交费吗？): look at all hits.
            let hits = index.search(&doc.heading, index.len());
            prop_assert!(hits.iter().any(|h| h.entry == &doc.entry), "{}", doc.heading);
            prop_assert_eq!(&hits[0].entry.title, &doc.entry.title);
            prop_assert!(hits.iter().all(|h| h.score.is_finite() && h.score > 0.0));
            prop_assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
        }

        #[test]
        fn any_query_is_answered_without_panicking(q in "\\PC{0,30}") {
            let index = KbIndex::build(faq_documents());
            let hits = index.search(&q, 5);
            prop_assert!(hits.len() <= 5);
        }
    }
}
