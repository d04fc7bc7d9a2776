//! Published benchmarks a local-spend figure is read against: the FSB and
//! CLES survey averages, the Greater Manchester councils' table, Preston's
//! figures. Each says what it measured and by which definition of "local"
//! (rarely the report's own), and a collection of bodies that publishes
//! each body's spend and local spend is shown both pooled and as the mean
//! of its shares, as `docs/domain.md` warns the two differ.

use serde::Serialize;

use super::figures::{percent_text, pool};
use super::money::Pence;

/// What a published figure is a share of influenceable (or procurement)
/// spend with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BenchmarkMeasure {
    /// Suppliers in the body's own area (the report's tier 1).
    Local,
    /// Suppliers in a wider area (the report's tier 2).
    Wider,
    /// SMEs anywhere.
    Sme,
    /// SMEs in the body's own area.
    LocalSme,
}

impl BenchmarkMeasure {
    pub const ALL: [BenchmarkMeasure; 4] = [
        BenchmarkMeasure::Local,
        BenchmarkMeasure::Wider,
        BenchmarkMeasure::Sme,
        BenchmarkMeasure::LocalSme,
    ];

    pub fn code(self) -> &'static str {
        match self {
            BenchmarkMeasure::Local => "local",
            BenchmarkMeasure::Wider => "wider",
            BenchmarkMeasure::Sme => "sme",
            BenchmarkMeasure::LocalSme => "local_sme",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            BenchmarkMeasure::Local => "Local share (own area)",
            BenchmarkMeasure::Wider => "Share in a wider area",
            BenchmarkMeasure::Sme => "Share with SMEs anywhere",
            BenchmarkMeasure::LocalSme => "Local SME share",
        }
    }
}

/// One published figure, as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Benchmark {
    pub id: i64,
    /// The body or group it is for: `Bolton Council`, `Average of 177 councils`.
    pub label: String,
    /// The publication's group of figures: the entries of one collection
    /// with the same measure and period are pooled and averaged.
    pub collection: String,
    pub source: String,
    /// As published: `2016/17`, `2013`.
    pub period: String,
    pub measure: BenchmarkMeasure,
    pub share_bp: i64,
    /// The body's spend and local spend, where published.
    pub spend_pence: Option<i64>,
    pub local_pence: Option<i64>,
    /// The definition of local it used, in words.
    pub definition: String,
    pub version: i64,
}

/// A benchmark as typed into the admin form.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct BenchmarkFields {
    pub label: String,
    pub collection: String,
    pub source: String,
    pub period: String,
    pub measure: String,
    pub share: String,
    pub spend: String,
    pub local: String,
    pub definition: String,
}

/// A benchmark ready to save.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BenchmarkInput {
    pub label: String,
    pub collection: String,
    pub source: String,
    pub period: String,
    pub measure: BenchmarkMeasure,
    pub share_bp: i64,
    pub spend_pence: Option<i64>,
    pub local_pence: Option<i64>,
    pub definition: String,
}

impl BenchmarkFields {
    /// Checks the form: every error by its field, in the form's order.
    pub fn parse(&self) -> Result<BenchmarkInput, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let mut text = |field: &'static str, value: &str, what: &str, required: bool| {
            let v = value.trim().to_owned();
            if required && v.is_empty() {
                errors.push((field, format!("Enter {what}")));
            } else if v.chars().count() > 300 {
                errors.push((field, format!("{what} must be 300 characters or fewer")));
            }
            v
        };
        let label = text(
            "label",
            &self.label,
            "the body or group the figure is for",
            true,
        );
        let collection = text(
            "collection",
            &self.collection,
            "the publication it belongs to",
            true,
        );
        let source = text("source", &self.source, "where it was published", true);
        let period = text("period", &self.period, "the period it covers", true);
        let definition = text(
            "definition",
            &self.definition,
            "its definition of local",
            true,
        );
        let measure = BenchmarkMeasure::from_code(self.measure.trim());
        if measure.is_none() {
            errors.push(("measure", "Choose what the figure measures".into()));
        }
        let share = self.share.trim().trim_end_matches('%').trim();
        let share_bp = Pence::parse(share)
            .ok()
            .map(|p| p.0)
            .filter(|bp| (0..=10_000).contains(bp));
        if share_bp.is_none() {
            errors.push((
                "share",
                "Enter the published share as a percentage between 0 and 100, like 31.1".into(),
            ));
        }
        let money = |raw: &str| -> Result<Option<i64>, ()> {
            let raw = raw.trim();
            if raw.is_empty() {
                return Ok(None);
            }
            Pence::parse(raw)
                .ok()
                .filter(|p| p.0 >= 0)
                .map(|p| Some(p.0))
                .ok_or(())
        };
        let spend = money(&self.spend);
        let local = money(&self.local);
        if spend.is_err() {
            errors.push((
                "spend",
                "Enter the spend in pounds, like 68,330,289.71".into(),
            ));
        }
        if local.is_err() {
            errors.push((
                "local",
                "Enter the local spend in pounds, like 31,179,554.05".into(),
            ));
        }
        let (spend, local) = (spend.unwrap_or(None), local.unwrap_or(None));
        match (spend, local) {
            (Some(s), Some(l)) if l > s => {
                errors.push(("local", "Local spend cannot be more than the spend".into()));
            }
            (Some(_), None) => {
                errors.push((
                    "local",
                    "Enter the local spend too, or neither amount".into(),
                ));
            }
            (None, Some(_)) => {
                errors.push(("spend", "Enter the spend too, or neither amount".into()));
            }
            _ => {}
        }
        match (measure, share_bp) {
            (Some(measure), Some(share_bp)) if errors.is_empty() => Ok(BenchmarkInput {
                label,
                collection,
                source,
                period,
                measure,
                share_bp,
                spend_pence: spend,
                local_pence: local,
                definition,
            }),
            _ => Err(errors),
        }
    }
}

impl Benchmark {
    /// The form's fields for editing it.
    pub fn fields(&self) -> BenchmarkFields {
        BenchmarkFields {
            label: self.label.clone(),
            collection: self.collection.clone(),
            source: self.source.clone(),
            period: self.period.clone(),
            measure: self.measure.code().into(),
            share: percent_text(Some(self.share_bp))
                .trim_end_matches('%')
                .into(),
            spend: self
                .spend_pence
                .map(|p| Pence(p).plain())
                .unwrap_or_default(),
            local: self
                .local_pence
                .map(|p| Pence(p).plain())
                .unwrap_or_default(),
            definition: self.definition.clone(),
        }
    }
}

/// What a report shows beside its own figure: one published figure, or a
/// collection's pooled share or mean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub label: String,
    pub measure: BenchmarkMeasure,
    pub period: String,
    pub share_bp: i64,
    pub source: String,
    pub definition: String,
}

/// The marks of a list of benchmarks, in its order: each entry on its own,
/// except that two or more entries of one collection, measure and period
/// that all publish their spend and local spend become two marks, their
/// pooled share (Σ local ÷ Σ spend) and the unweighted mean of their
/// published shares.
pub fn marks(list: &[Benchmark]) -> Vec<Mark> {
    let mut out: Vec<Mark> = Vec::new();
    let mut done: Vec<(String, BenchmarkMeasure, String)> = Vec::new();
    for b in list {
        let key = (b.collection.clone(), b.measure, b.period.clone());
        if done.contains(&key) {
            continue;
        }
        let group: Vec<&Benchmark> = list
            .iter()
            .filter(|o| o.collection == key.0 && o.measure == key.1 && o.period == key.2)
            .collect();
        let pairs: Option<Vec<(i64, i64)>> = group
            .iter()
            .map(|o| Some((o.local_pence?, o.spend_pence?)))
            .collect();
        match pairs {
            Some(pairs) if group.len() > 1 => {
                done.push(key);
                let pooled = pool(&pairs);
                let shares: Vec<i64> = group.iter().map(|o| o.share_bp).collect();
                let mean = super::figures::share_bp(
                    shares.iter().sum(),
                    i64::try_from(shares.len()).unwrap_or(1) * 10_000,
                )
                .unwrap_or(0);
                let n = group.len();
                let mark = |label: String, share_bp: i64| Mark {
                    label,
                    measure: b.measure,
                    period: b.period.clone(),
                    share_bp,
                    source: b.source.clone(),
                    definition: b.definition.clone(),
                };
                out.push(mark(
                    format!(
                        "{}: pooled over {n} bodies (Σ local £ ÷ Σ spend £)",
                        b.collection
                    ),
                    pooled.pooled_bp.unwrap_or(0),
                ));
                out.push(mark(
                    format!("{}: mean of the {n} published shares", b.collection),
                    mean,
                ));
            }
            _ => out.push(Mark {
                label: b.label.clone(),
                measure: b.measure,
                period: b.period.clone(),
                share_bp: b.share_bp,
                source: b.source.clone(),
                definition: b.definition.clone(),
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn council(name: &str, spend: i64, local: i64, share_bp: i64) -> Benchmark {
        Benchmark {
            id: 0,
            label: name.into(),
            collection: "Greater Manchester".into(),
            source: "CLES".into(),
            period: "as published".into(),
            measure: BenchmarkMeasure::Local,
            share_bp,
            spend_pence: Some(spend),
            local_pence: Some(local),
            definition: "own boundary".into(),
            version: 1,
        }
    }

    /// The ten councils of `docs/domain.md`, shares as published to one decimal.
    fn greater_manchester() -> Vec<Benchmark> {
        vec![
            council("Bolton", 6_833_028_971, 3_117_955_405, 4560),
            council("Bury", 3_802_637_258, 1_081_075_081, 2840),
            council("Manchester", 23_503_174_489, 18_668_758_567, 7940),
            council("Oldham", 13_359_043_730, 9_164_438_153, 6860),
            council("Rochdale", 7_079_377_584, 3_099_500_150, 4380),
            council("Salford", 14_390_924_895, 9_027_681_300, 6270),
            council("Stockport", 12_677_176_829, 8_256_309_239, 6510),
            council("Tameside", 4_511_749_341, 2_286_354_801, 5070),
            council("Trafford", 4_117_148_494, 1_506_279_786, 3660),
            council("Wigan", 10_111_581_930, 5_756_870_176, 5690),
        ]
    }

    #[test]
    fn the_greater_manchester_table_pools_to_61_73_and_averages_53_8() {
        let m = marks(&greater_manchester());
        assert_eq!(m.len(), 2);
        assert!(m[0].label.contains("pooled over 10 bodies"));
        assert_eq!(m[0].share_bp, 6173);
        assert!(m[1].label.contains("mean of the 10"));
        assert_eq!(m[1].share_bp, 5378);
        assert_eq!(percent_text(Some(m[1].share_bp)), "53.78%");
    }

    #[test]
    fn entries_without_amounts_or_of_other_periods_stay_marks_of_their_own() {
        let mut list = greater_manchester();
        list.truncate(2);
        list[1].spend_pence = None;
        list[1].local_pence = None;
        let mut later = council("Bolton", 1, 1, 10_000);
        later.period = "2020/21".into();
        list.push(later);
        let m = marks(&list);
        let labels: Vec<&str> = m.iter().map(|m| m.label.as_str()).collect();
        assert_eq!(labels, ["Bolton", "Bury", "Bolton"]);
        assert_eq!(m[2].period, "2020/21");
    }

    fn fields() -> BenchmarkFields {
        BenchmarkFields {
            label: "Average of 177 councils".into(),
            collection: "FSB and CLES".into(),
            source: "FSB and CLES survey (2013)".into(),
            period: "2013".into(),
            measure: "local".into(),
            share: "31.1%".into(),
            spend: String::new(),
            local: String::new(),
            definition: "each council's own boundary".into(),
        }
    }

    #[test]
    fn the_form_reads_a_percentage_and_optional_pounds_exactly() {
        let input = fields().parse().unwrap();
        assert_eq!(input.share_bp, 3110);
        assert_eq!(input.spend_pence, None);
        let mut f = fields();
        f.spend = "£68,330,289.71".into();
        f.local = "31,179,554.05".into();
        let input = f.parse().unwrap();
        assert_eq!(input.spend_pence, Some(6_833_028_971));
        assert_eq!(input.local_pence, Some(3_117_955_405));
    }

    #[test]
    fn the_form_names_each_wrong_field() {
        let mut f = fields();
        f.label = " ".into();
        f.share = "seventy".into();
        f.measure = "everything".into();
        f.spend = "100".into();
        f.local = "200".into();
        let errors = f.parse().unwrap_err();
        let named: Vec<&str> = errors.iter().map(|e| e.0).collect();
        assert_eq!(named, ["label", "measure", "share", "local"]);
        f = fields();
        f.share = "100.5".into();
        assert_eq!(f.parse().unwrap_err()[0].0, "share");
    }
}
