//! Scores client messages and call transcripts with VADER, a lexicon-and-rules sentiment
//! analyser that runs in the server (no model download, no network). Its compound score
//! runs from −1 (very negative) to 1; at or below the threshold the case's assignee hears
//! of it.

/// Chosen so that plainly unhappy messages ("This is unacceptable, I am very disappointed")
/// count and merely businesslike ones ("Please send the documents") do not.
pub const NEGATIVE_THRESHOLD: f64 = -0.4;
/// Longer texts are scored on their beginning: enough to judge the tone, bounded in cost.
const MAX_SCORED_CHARS: usize = 5_000;

/// The compound score, or `None` if the text has nothing to score.
pub fn score(text: &str) -> Option<f64> {
    let text: String = text.chars().take(MAX_SCORED_CHARS).collect();
    if text.trim().is_empty() {
        return None;
    }
    // The analyser is an old port: if it ever panics on odd input, the message is still
    // stored, just not scored.
    std::panic::catch_unwind(|| {
        let analyzer = vader_sentiment::SentimentIntensityAnalyzer::new();
        analyzer.polarity_scores(&text).get("compound").copied()
    })
    .ok()
    .flatten()
}

pub fn is_negative(score: Option<f64>) -> bool {
    score.is_some_and(|s| s <= NEGATIVE_THRESHOLD)
}

/// The offending text as quoted in a notification: whole up to 280 characters.
pub fn quote(text: &str) -> String {
    let trimmed = text.trim();
    if trimmed.chars().count() <= 280 {
        format!("“{trimmed}”")
    } else {
        format!("“{}…”", trimmed.chars().take(279).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unhappy_messages_are_negative_and_ordinary_ones_are_not() {
        for text in [
            "This is unacceptable. I am very disappointed and angry that nobody has called me back.",
            "I'm furious. You people are useless and I want my money back.",
            "Terrible service, worst experience ever.",
        ] {
            assert!(is_negative(score(text)), "{text}: {:?}", score(text));
        }
        for text in [
            "Please send me the documents for Thursday's hearing.",
            "Thank you so much, that was really helpful!",
            "I will be at the office at 3pm.",
        ] {
            assert!(!is_negative(score(text)), "{text}: {:?}", score(text));
        }
        assert_eq!(score("   "), None);
    }

    #[test]
    fn long_texts_are_quoted_shortened() {
        assert_eq!(quote(" short "), "“short”");
        let long = "a".repeat(400);
        assert_eq!(quote(&long).chars().count(), 282);
    }
}
