//! The link decoder against 100,000 random and mutated inputs: a link comes from anywhere
//! (a chat message cut in half, a hand-edited URL, an attacker), and decoding must answer
//! with a result, never a panic, and quickly.

use rand_core::{RngCore, SeedableRng};
use rand_pcg::Pcg64Mcg;
use replication_sim::link::{decode, encode, encode_preset};
use replication_sim::presets::PRESETS;
use replication_sim::Sim;

const CASES: usize = 100_000;

fn mutate(rng: &mut Pcg64Mcg, s: &str) -> String {
    let mut b: Vec<u8> = s.as_bytes().to_vec();
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=&.%#s";
    for _ in 0..1 + rng.next_u32() % 4 {
        if b.is_empty() {
            break;
        }
        let i = (rng.next_u64() % b.len() as u64) as usize;
        match rng.next_u32() % 5 {
            0 => b[i] = alphabet[(rng.next_u32() as usize) % alphabet.len()],
            1 => {
                b.remove(i);
            }
            2 => b.insert(i, alphabet[(rng.next_u32() as usize) % alphabet.len()]),
            3 => b.truncate(i),
            _ => b[i] ^= 1 << (rng.next_u32() % 7),
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

#[test]
fn the_decoder_never_panics_on_random_or_mutated_links() {
    let mut rng = Pcg64Mcg::seed_from_u64(0x5eed_11a6);
    let mut seeds: Vec<String> = PRESETS
        .iter()
        .map(|p| encode(&p.scenario().unwrap(), Some(1500)))
        .collect();
    seeds.extend(PRESETS.iter().map(|p| encode_preset(p.id, Some(10))));
    // Unmutated, every link decodes to its scenario: the fuzzing starts from valid links.
    for (p, link) in PRESETS.iter().zip(&seeds) {
        let d = decode(link).unwrap_or_else(|e| panic!("{}'s link is refused: {e}", p.id));
        assert_eq!(d.scenario, p.scenario().unwrap(), "{}'s link", p.id);
    }
    let (mut ok, mut refused, mut noise_decoded) = (0usize, 0usize, 0usize);
    for case in 0..CASES {
        let input = if case % 10 == 0 {
            // Pure noise, of any length.
            let len = (rng.next_u32() % 300) as usize;
            (0..len)
                .map(|_| char::from(32 + (rng.next_u32() % 95) as u8))
                .collect::<String>()
        } else {
            let seed = &seeds[case % seeds.len()];
            mutate(&mut rng, seed)
        };
        match decode(&input) {
            Ok(d) => {
                ok += 1;
                noise_decoded += (case % 10 == 0) as usize;
                // Whatever decodes must also build a simulation without panicking.
                Sim::new(&d.scenario)
                    .unwrap_or_else(|e| panic!("decoded but invalid: {e}\ninput: {input}"));
            }
            Err(e) => {
                refused += 1;
                // A message for a reader: words, not an empty string or a Rust value.
                let message = e.to_string();
                assert!(
                    message.len() > 10 && !message.contains("Err(") && !message.contains("Some("),
                    "refusal message {message:?} for input {input}"
                );
            }
        }
    }
    println!("{CASES} inputs: {ok} decoded, {refused} refused with a message");
    assert_eq!(noise_decoded, 0, "random text is never a link");
    assert!(refused > CASES / 2, "mutations should mostly break links");
    // A mutation that only touches the instant (`t=`) or leaves a preset's link readable
    // keeps it valid: some must decode, or the decoder refuses everything.
    assert!(ok > CASES / 100, "only {ok} mutated links decoded");
}
