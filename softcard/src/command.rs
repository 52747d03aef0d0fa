//! The card side of APDU parsing: a command APDU's header, data and Le, short or extended
//! (ISO/IEC 7816-4 §5.1 cases 1–4). Malformed input is a [`ParseError`], never a panic.

#[derive(Debug, PartialEq, Eq)]
pub struct CardCommand {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: Vec<u8>,
    pub le: Option<usize>,
    pub extended: bool,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("malformed command APDU")]
pub struct ParseError;

impl CardCommand {
    pub fn parse(apdu: &[u8]) -> Result<CardCommand, ParseError> {
        let (header, body) = apdu.split_at_checked(4).ok_or(ParseError)?;
        let mut c = CardCommand {
            cla: header[0],
            ins: header[1],
            p1: header[2],
            p2: header[3],
            data: Vec::new(),
            le: None,
            extended: false,
        };
        match body {
            [] => {}
            [le] => c.le = Some(if *le == 0 { 256 } else { *le as usize }),
            [0, rest @ ..] if rest.len() >= 2 => {
                c.extended = true;
                let len = u16::from_be_bytes([rest[0], rest[1]]) as usize;
                let rest = &rest[2..];
                if rest.is_empty() {
                    c.le = Some(if len == 0 { 65536 } else { len }); // case 2E
                } else {
                    if len == 0 {
                        return Err(ParseError);
                    }
                    let data = rest.get(..len).ok_or(ParseError)?;
                    c.data = data.to_vec();
                    match &rest[len..] {
                        [] => {}
                        [a, b] => {
                            let le = u16::from_be_bytes([*a, *b]) as usize;
                            c.le = Some(if le == 0 { 65536 } else { le });
                        }
                        _ => return Err(ParseError),
                    }
                }
            }
            [lc, rest @ ..] if *lc != 0 => {
                let len = *lc as usize;
                let data = rest.get(..len).ok_or(ParseError)?;
                c.data = data.to_vec();
                match &rest[len..] {
                    [] => {}
                    [le] => c.le = Some(if *le == 0 { 256 } else { *le as usize }),
                    _ => return Err(ParseError),
                }
            }
            _ => return Err(ParseError),
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_cases_short_and_extended() {
        let c = CardCommand::parse(&[0, 0x20, 0, 0x80]).unwrap();
        assert_eq!((c.data.len(), c.le), (0, None));
        let c = CardCommand::parse(&[0, 0xB0, 0, 0, 0]).unwrap();
        assert_eq!(c.le, Some(256));
        let c = CardCommand::parse(&[0, 0x20, 0, 0x80, 2, 0x41, 0x42]).unwrap();
        assert_eq!((c.data, c.le), (b"AB".to_vec(), None));
        let c = CardCommand::parse(&[0x80, 0x2A, 0, 0x80, 1, 9, 0]).unwrap();
        assert_eq!((c.data, c.le), (vec![9], Some(256)));
        let c = CardCommand::parse(&[0, 0xB0, 0, 0, 0, 0x07, 0xD0]).unwrap();
        assert_eq!((c.extended, c.le), (true, Some(2000)));
        let c = CardCommand::parse(&[0, 0xB0, 0, 0, 0, 0, 0]).unwrap();
        assert_eq!(c.le, Some(65536));
        let c = CardCommand::parse(&[0, 0x2A, 0, 0, 0, 0, 1, 7, 1, 0]).unwrap();
        assert_eq!((c.data, c.le), (vec![7], Some(256)));
    }

    #[test]
    fn malformed_commands_are_errors() {
        for bad in
            [&[][..], &[0, 0xB0, 0], &[0, 0x20, 0, 0x80, 3, 1], &[0, 0x20, 0, 0x80, 1, 1, 0, 0], &[0, 1, 2, 3, 0, 0]]
        {
            assert_eq!(CardCommand::parse(bad), Err(ParseError), "{bad:?}");
        }
    }
}
