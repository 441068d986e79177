//! A request sent ahead: started beside the requests whose answers it would otherwise wait
//! for (a download's body beside the metadata that says what the bytes must be), so a slow
//! link pays their round trips once, side by side.
use std::future::Future;
use std::pin::Pin;

/// A future started by [`beside`], finished or still running.
pub(crate) struct Ahead<F: Future> {
    future: Pin<Box<F>>,
    output: Option<F::Output>,
}

impl<F: Future> Ahead<F> {
    /// Its output, waiting for it if it has not come yet.
    pub(crate) async fn finish(self) -> F::Output {
        match self.output {
            Some(output) => output,
            None => self.future.await,
        }
    }
}

/// Runs `main` to its end while `ahead` makes progress beside it; `main`'s output as soon as
/// it has one (a failure need not wait for `ahead`), and `ahead` to finish or drop.
pub(crate) async fn beside<M: Future, F: Future>(main: M, ahead: F) -> (M::Output, Ahead<F>) {
    let mut ahead = Ahead {
        future: Box::pin(ahead),
        output: None,
    };
    let mut main = std::pin::pin!(main);
    loop {
        tokio::select! {
            biased;
            output = &mut main => return (output, ahead),
            output = &mut ahead.future, if ahead.output.is_none() => ahead.output = Some(output),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::oneshot;

    #[tokio::test]
    async fn the_future_ahead_runs_while_main_waits_on_it() {
        let (started, main_waits) = oneshot::channel::<()>();
        let ahead = async move {
            let _ = started.send(());
            7
        };
        // `main` can only end once `ahead` has run: they run side by side.
        let (main, ahead) = beside(async move { main_waits.await.is_ok() }, ahead).await;
        assert!(main);
        assert_eq!(ahead.finish().await, 7);
    }

    #[tokio::test]
    async fn main_ends_without_waiting_for_the_future_ahead() {
        let (_never, pending) = oneshot::channel::<u8>();
        let (main, ahead) = beside(async { "failed" }, pending).await;
        assert_eq!(main, "failed");
        drop(ahead);
    }
}
