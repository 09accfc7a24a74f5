//! The file as the CSV reader sees it: decoded from the mapping's encoding into UTF-8,
//! CRLF line ends read as LF, and the bytes taken from the disk counted for progress.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use encoding_rs::Encoding;
use encoding_rs_io::DecodeReaderBytesBuilder;

/// Opens `path` for the CSV reader; `encoding` is `None` for UTF-8, which is read as it is
/// (the CSV reader checks it row by row). `read` counts the file's bytes as they are taken.
pub fn open(
    path: &Path,
    encoding: Option<&'static Encoding>,
    read: Arc<AtomicU64>,
) -> io::Result<Box<dyn Read + Send>> {
    let file = Counted {
        inner: File::open(path)?,
        read,
    };
    Ok(decode(file, encoding))
}

/// Bytes of a file (or of part of one, as a folder watch takes it) as the CSV reader sees
/// them.
pub fn decode(
    file: impl Read + Send + 'static,
    encoding: Option<&'static Encoding>,
) -> Box<dyn Read + Send> {
    let text: Box<dyn Read + Send> = match encoding {
        // A UTF-8 or UTF-16 byte-order mark still wins over the named encoding: a file
        // saved as "CSV UTF-8" by the same office reads right under a GBK mapping.
        Some(enc) => Box::new(
            DecodeReaderBytesBuilder::new()
                .encoding(Some(enc))
                .build(file),
        ),
        None => Box::new(file),
    };
    Box::new(LfOnly {
        inner: BufReader::with_capacity(64 * 1024, text),
    })
}

struct Counted<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Drops the CR of each CRLF. The csv crate dates a record by the line it was on when the
/// read began, and after a CRLF it has not yet read the LF that ends the line before: in a
/// CRLF file every row would be named one line too early. A lone CR is kept.
struct LfOnly<R> {
    inner: BufReader<R>,
}

impl<R: Read> Read for LfOnly<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let mut n = 0;
        while n == 0 && !out.is_empty() {
            let input = self.inner.fill_buf()?;
            if input.is_empty() {
                break;
            }
            let take = input.len().min(out.len());
            match input[..take].iter().position(|&b| b == b'\r') {
                None => {
                    out[..take].copy_from_slice(&input[..take]);
                    self.inner.consume(take);
                    n = take;
                }
                Some(cr) => {
                    out[..cr].copy_from_slice(&input[..cr]);
                    self.inner.consume(cr + 1);
                    n = cr;
                    // The byte after the CR may be in the next buffer.
                    if self.inner.fill_buf()?.first() != Some(&b'\n') {
                        out[n] = b'\r';
                        n += 1;
                    }
                }
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads through `LfOnly` in reads of `chunk` bytes from a source that hands out at
    /// most `feed` bytes at a time, so a CRLF is split across every boundary.
    fn through(text: &[u8], feed: usize, chunk: usize) -> Vec<u8> {
        struct Trickle<'a>(&'a [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut r = LfOnly {
            inner: BufReader::with_capacity(feed, Trickle(text, feed)),
        };
        let mut out = Vec::new();
        let mut buf = vec![0; chunk];
        loop {
            let n = r.read(&mut buf).unwrap();
            if n == 0 {
                return out;
            }
            out.extend_from_slice(&buf[..n]);
        }
    }

    #[test]
    fn crlf_becomes_lf_wherever_the_reads_split_it() {
        let text = b"a,b\r\n1,\"x\r\ny\"\r\n2,\r3\r\n\r\r";
        let want = b"a,b\n1,\"x\ny\"\n2,\r3\n\r\r";
        for feed in 1..8 {
            for chunk in 1..8 {
                assert_eq!(
                    through(text, feed, chunk),
                    want,
                    "feed {feed} chunk {chunk}"
                );
            }
        }
    }
}
