//! `pn532-emu`: serve an emulated PN532 with kazasu's software JPKI card on a fresh pty, print the
//! slave path (one line on stdout), run until stdin closes or the process is killed.
//!
//! Open it with libnfc as `pn532_uart:<path>`, e.g. `LIBNFC_DEVICE=pn532_uart:/dev/pts/5 nfc-list`.

use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::time::Duration;

use pn532_emu::{Config, Departure, Emulator, Field, Trigger};

const USAGE: &str = "usage: pn532-emu [--leave-after N | --leave-at-ins I[:data|:nodata][:NTH]] [--leave-mode before|after] [--return-after-ms MS]
                 [--chunk BYTES] [--sign-delay-ms MS] [--lost-delay-ms MS] [--baud B] [--type a|b] [--lenient-wakeup]
  --leave-after N      the card leaves the field at the (N+1)-th APDU
  --leave-at-ins I[:data|:nodata][:NTH]
                       the card leaves at the NTH (0-based, default 0) APDU with INS byte I (hex) that
                       carries data (default) or none, e.g. 20:data for the VERIFY that carries the PIN
  --leave-mode M       before: the card never sees that APDU (default); after: it processes it, the
                       answer is lost
  --return-after-ms MS put the card back this long after it left (default: never)
  --chunk BYTES        largest InDataExchange answer before MI chaining (1..262, default 262)
  --sign-delay-ms MS   card time for COMPUTE DIGITAL SIGNATURE (default 0)
  --lost-delay-ms MS   PN532 time before it reports a vanished card (default 30)
  --type a|b           card technology (default b, like the My Number Card)
  --baud B             model a serial line at B baud (answers delayed by the bytes' line time)
  --lenient-wakeup     accept frames without the HSU wake-up byte after power-on";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pn532-emu: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut config = Config::default();
    let field = Field::new();
    let mut leave: Option<Trigger> = None;
    let mut mode = Departure::BeforeCommand;
    let mut return_after: Option<Duration> = None;
    let num = |v: Option<String>, name: &str| -> Result<u64, String> {
        v.ok_or(format!("{name} needs a value"))?.parse::<u64>().map_err(|_| format!("{name}: not a number\n{USAGE}"))
    };
    while let Some(a) = args.next() {
        match a.as_str() {
            "--leave-after" => leave = Some(Trigger::After(num(args.next(), &a)? as u32)),
            "--leave-at-ins" => {
                let spec = args.next().ok_or(format!("{a} needs a value"))?;
                leave = Some(parse_ins_trigger(&spec).ok_or(format!("{a}: bad value {spec:?}\n{USAGE}"))?);
            }
            "--leave-mode" => {
                mode = match args.next().as_deref() {
                    Some("before") => Departure::BeforeCommand,
                    Some("after") => Departure::AfterCommand,
                    _ => return Err(format!("--leave-mode: before or after\n{USAGE}")),
                }
            }
            "--return-after-ms" => return_after = Some(Duration::from_millis(num(args.next(), &a)?)),
            "--chunk" => config.max_chunk = num(args.next(), &a)? as usize,
            "--sign-delay-ms" => field.set_sign_delay(Duration::from_millis(num(args.next(), &a)?)),
            "--lost-delay-ms" => field.set_lost_delay(Duration::from_millis(num(args.next(), &a)?)),
            "--lenient-wakeup" => config.strict_wakeup = false,
            "--type" => {
                config.card_type = match args.next().as_deref() {
                    Some("a" | "A") => pn532_emu::CardType::A,
                    Some("b" | "B") => pn532_emu::CardType::B,
                    _ => return Err(format!("--type: a or b\n{USAGE}")),
                }
            }
            "--baud" => config.line_baud = Some(num(args.next(), &a)? as u32),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            _ => return Err(format!("unknown argument {a}\n{USAGE}")),
        }
    }
    if let Some(trigger) = leave {
        field.leave_at(trigger, mode);
    }
    let card = kazasu_core::softcard::SoftCard::new();
    let emu = Emulator::start(card, field.clone(), config).map_err(|e| format!("cannot start: {e}"))?;
    println!("{}", emu.path().display());
    std::io::stdout().flush().map_err(|e| e.to_string())?;

    if let Some(delay) = return_after {
        let field = field.clone();
        std::thread::spawn(move || {
            let mut seen = 0;
            loop {
                std::thread::sleep(Duration::from_millis(10));
                let d = field.departures();
                if d > seen {
                    seen = d;
                    std::thread::sleep(delay);
                    field.insert_card();
                    eprintln!("pn532-emu: card back in the field");
                }
            }
        });
    }
    // Serve until stdin reaches end of file (the parent closed it or exited).
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        match line.map_err(|e| e.to_string())?.trim() {
            "remove" => field.remove_card(),
            "insert" => field.insert_card(),
            "stats" => eprintln!("{:?}", emu.stats()),
            _ => {}
        }
    }
    emu.stop().map_err(|e| e.to_string())
}

/// `20`, `20:data`, `B0:nodata:2` → the trigger.
fn parse_ins_trigger(spec: &str) -> Option<Trigger> {
    let mut parts = spec.split(':');
    let ins = u8::from_str_radix(parts.next()?, 16).ok()?;
    let mut with_data = true;
    let mut nth = 0;
    for p in parts {
        match p {
            "data" => with_data = true,
            "nodata" => with_data = false,
            n => nth = n.parse().ok()?,
        }
    }
    Some(Trigger::Ins { ins, with_data, nth })
}
