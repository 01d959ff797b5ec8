//! Syslog over TCP (RFC 6587): a stream of messages, each either octet-counted
//! (`<length> <message>`) or ended by a newline, chosen per message by its first byte.

use crate::decode::DecodeError;

/// The longest message taken; a longer frame ends the connection.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Splits a TCP stream into syslog messages as its bytes arrive.
#[derive(Debug, Default)]
pub struct SyslogFramer {
    buffer: Vec<u8>,
}

impl SyslogFramer {
    /// Takes the next bytes of the stream; returns the messages they complete.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<Vec<u8>>, DecodeError> {
        self.buffer.extend_from_slice(bytes);
        let mut messages = Vec::new();
        let mut at = 0;
        loop {
            while at < self.buffer.len() && matches!(self.buffer[at], b'\n' | b'\r' | b' ' | 0) {
                at += 1;
            }
            let rest = &self.buffer[at..];
            let Some(first) = rest.first() else { break };
            if first.is_ascii_digit() {
                // Octet counting: digits, a space, then exactly that many bytes.
                let digits = rest.iter().take_while(|byte| byte.is_ascii_digit()).count();
                if digits == rest.len() {
                    if digits > 6 {
                        return Err(too_long());
                    }
                    break; // the length is still arriving
                }
                if rest[digits] != b' ' {
                    return Err(DecodeError::Malformed(
                        "a syslog frame's length is not followed by a space (RFC 6587 octet counting)".into(),
                    ));
                }
                let length: usize = std::str::from_utf8(&rest[..digits])
                    .ok()
                    .and_then(|digits| digits.parse().ok())
                    .filter(|length| *length <= MAX_MESSAGE_BYTES)
                    .ok_or_else(too_long)?;
                let start = digits + 1;
                if rest.len() < start + length {
                    break;
                }
                messages.push(rest[start..start + length].to_vec());
                at += start + length;
            } else {
                let Some(end) = rest.iter().position(|byte| *byte == b'\n') else {
                    if rest.len() > MAX_MESSAGE_BYTES {
                        return Err(too_long());
                    }
                    break;
                };
                let line = &rest[..end];
                messages.push(line.strip_suffix(b"\r").unwrap_or(line).to_vec());
                at += end + 1;
            }
        }
        self.buffer.drain(..at);
        Ok(messages)
    }

    /// The end of the stream: a last message not ended by a newline.
    pub fn finish(self) -> Option<Vec<u8>> {
        let message = self.buffer.trim_ascii();
        (!message.is_empty() && !message[0].is_ascii_digit()).then(|| message.to_vec())
    }
}

fn too_long() -> DecodeError {
    DecodeError::Malformed(format!("a syslog message is longer than {MAX_MESSAGE_BYTES} bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(chunks: &[&[u8]]) -> Vec<String> {
        let mut framer = SyslogFramer::default();
        let mut messages = Vec::new();
        for chunk in chunks {
            messages.extend(framer.push(chunk).unwrap());
        }
        messages.extend(framer.finish());
        messages
            .into_iter()
            .map(|message| String::from_utf8(message).unwrap())
            .collect()
    }

    #[test]
    fn newline_and_octet_counted_frames_mix_and_split_anywhere() {
        let stream = b"<13>one\r\n9 <13>two\nx<14>three\n";
        let whole = frames(&[stream]);
        assert_eq!(whole, ["<13>one", "<13>two\nx", "<14>three"]);
        // Byte by byte gives the same messages.
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(frames(&bytes), whole);
    }

    #[test]
    fn an_unterminated_last_line_is_kept_at_the_end() {
        assert_eq!(frames(&[b"<13>a\n<13>b"]), ["<13>a", "<13>b"]);
    }

    #[test]
    fn bad_or_huge_frames_are_refused() {
        let mut framer = SyslogFramer::default();
        assert!(framer.push(b"12x <13>a").is_err());
        let mut framer = SyslogFramer::default();
        assert!(framer.push(b"99999999 <13>").is_err());
        let mut framer = SyslogFramer::default();
        assert!(framer.push(&vec![b'a'; MAX_MESSAGE_BYTES + 2]).is_err());
    }
}
