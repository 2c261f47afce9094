//! The guided lessons as the reader meets them: a gallery of the chapter's lessons, and,
//! inside a lesson, its introduction, a running caption taken from the engine's events, a
//! hold at each key moment, and at the end what the run showed, checked against it.

use crate::state::LabAction;
use replication_sim::lessons::{Check, Judgement, Prediction, LESSONS};
use yew::prelude::*;

/// The lesson gallery; a plain function, since it has no state of its own.
pub fn gallery() -> Html {
    html! {
        <section class="gallery" aria-labelledby="gallery-title">
            <h2 id="gallery-title">{ "Lessons" }</h2>
            <p class="gallery-intro">
                { "Each lesson is a scenario from chapter 5 of " }<cite>{ "Designing Data-Intensive Applications" }</cite>
                { ", run by the simulation as you watch. It stops at the moments that matter; the back button of the timeline takes you to any earlier instant." }
            </p>
            <ol class="cards">
                { for LESSONS.iter().enumerate().map(|(i, l)| {
                    let title = l.preset().scenario().ok().and_then(|s| s.title).unwrap_or_else(|| l.id.to_string());
                    html! {
                        <li class="card">
                            <h3><span class="num">{ format!("{}.", i + 1) }</span>{ " " }{ title.clone() }</h3>
                            <p>{ l.intro }</p>
                            <p class="question"><strong>{ "Think about: " }</strong>{ l.question }</p>
                            <a class="start" href={format!("#lesson={}", l.id)} aria-label={format!("Start the lesson: {title}")}>{ "Start the lesson →" }</a>
                        </li>
                    }
                }) }
            </ol>
        </section>
    }
}

pub struct LessonPanelProps {
    pub intro: &'static str,
    pub question: &'static str,
    /// The compare view that puts this lesson's choices side by side (a link fragment).
    pub compare_link: Option<&'static str>,
    /// The instants the lesson holds at in the run so far, as the engine finds them, space
    /// separated: the page exposes them (`data-key-moments`) for tests to follow.
    pub key_moments: AttrValue,
    pub caption: Option<String>,
    pub pause: Option<String>,
    pub outcome: Option<Vec<Check>>,
    pub prediction: &'static Prediction,
    /// The answer the reader committed to, if any.
    pub chosen: Option<usize>,
    /// Whether an answer can still be chosen (the run is before its first key moment).
    pub open: bool,
    /// What the run says of the chosen answer, once it has ended.
    pub verdict: Option<Judgement>,
    pub playing: bool,
    pub at_start: bool,
    pub dispatch: Callback<LabAction>,
}

/// A plain function (like the panels): it follows the run on every frame.
pub fn lesson_panel(props: &LessonPanelProps) -> Html {
    let go = {
        let d = props.dispatch.clone();
        Callback::from(move |_| d.emit(LabAction::Continue))
    };
    let play = {
        let d = props.dispatch.clone();
        Callback::from(move |_| d.emit(LabAction::TogglePlay))
    };
    html! {
        <section class="lesson" aria-label="Lesson" tabindex="0" data-key-moments={props.key_moments.clone()}>
            <p class="lesson-intro">{ props.intro }</p>
            <p class="lesson-question"><strong>{ "Think about: " }</strong>{ props.question }</p>
            if let Some(link) = props.compare_link {
                <p class="lesson-compare"><a id="lesson-compare" href={format!("#{link}")}>{ "Compare the three ways side by side, on the same seed and workload →" }</a></p>
            }
            { prediction(props) }
            if let Some(p) = &props.pause {
                <div class="lesson-pause" role="status" id="lesson-pause">
                    <p><strong>{ "Key moment. " }</strong>{ p }</p>
                    <button class="primary" onclick={go} id="continue" aria-keyshortcuts="Enter">{ "Continue ▶" }</button>
                </div>
            } else if let Some(c) = &props.caption {
                <p class="caption" id="caption"><span aria-hidden="true">{ "▸ " }</span>{ c }</p>
            }
            if props.pause.is_none() && props.outcome.is_none() && !props.playing && props.at_start {
                <p class="lesson-hint">{ "Press " }<button onclick={play}>{ "▶ Play" }</button>{ " to start; the lesson stops at each key moment." }</p>
            }
            if let Some(checks) = &props.outcome {
                <div class="lesson-outcome" id="lesson-outcome">
                    <h3>{ "What you should have seen" }</h3>
                    <ul>
                        { for checks.iter().map(|c| html! {
                            <li class={if c.held { "held" } else { "missed" }}>
                                <span class="verdict" aria-hidden="true">{ if c.held { "✓" } else { "✗" } }</span>
                                <span>
                                    { &c.claim }
                                    if !c.held { <strong>{ " — this did not happen in your run." }</strong> }
                                    <span class="evidence">{ format!(" ({})", c.evidence) }</span>
                                </span>
                            </li>
                        }) }
                    </ul>
                    { verdict(props) }
                    if checks.iter().any(|c| !c.held) {
                        <p>{ "Your run differs from the lesson's: perhaps you changed a setting or acted on the cluster. Reset to see the lesson as written, or compare the two branches." }</p>
                    }
                    <a href="#lessons">{ "Back to the lessons" }</a>
                </div>
            }
        </section>
    }
}

/// Predict, then see: the reader commits to an answer before the run reaches its first key
/// moment. Each answer is a button, so the keyboard reaches and presses it like any other.
fn prediction(props: &LessonPanelProps) -> Html {
    let p = props.prediction;
    if props.chosen.is_none() && !props.open {
        // The run is past its key moment: the reader has seen the answer.
        return html! {};
    }
    html! {
        <div class="prediction" role="group" aria-labelledby="prediction-prompt" id="prediction">
            <p id="prediction-prompt"><strong>{ "Predict: " }</strong>{ p.prompt }</p>
            <div class="choices">
                { for p.choices.iter().enumerate().map(|(i, c)| {
                    let d = props.dispatch.clone();
                    let chosen = props.chosen == Some(i);
                    html! {
                        <button class={classes!("choice", chosen.then_some("chosen"))}
                                aria-pressed={if chosen { "true" } else { "false" }}
                                disabled={!props.open && !chosen}
                                onclick={Callback::from(move |_| d.emit(LabAction::Predict(i)))}>
                            { *c }
                        </button>
                    }
                }) }
            </div>
            if props.chosen.is_some() {
                <p class="prediction-note" role="status">{ "Your prediction is in. The lesson says at the end whether the run agreed." }</p>
            } else {
                <p class="prediction-note">{ "Optional: choose before the first key moment, then watch." }</p>
            }
        </div>
    }
}

/// The run's answer to the reader's prediction, from the lesson's own checks.
fn verdict(props: &LessonPanelProps) -> Html {
    let (Some(i), Some(v)) = (props.chosen, props.verdict) else {
        return html! {};
    };
    let chosen = props.prediction.choices[i];
    let (class, text) = match v {
        Judgement::Agreed => ("agreed", format!("You predicted “{chosen}”: the run agreed.")),
        Judgement::Disagreed { shown } => (
            "disagreed",
            format!("You predicted “{chosen}”, but the run showed otherwise: {shown}."),
        ),
        Judgement::NotShown => (
            "not-shown",
            format!("You predicted “{chosen}”. This run does not show the lesson's effect, so it cannot say whether you were right."),
        ),
    };
    html! { <p class={classes!("prediction-verdict", class)} id="prediction-verdict" role="status">{ text }</p> }
}
