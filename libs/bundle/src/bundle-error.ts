/**
 * A bundle or local secrets file that cannot be used. The message starts with the file (relative
 * to the bundle where possible) and says what is wrong, so the fix is obvious from a log line.
 */
export class BundleError extends Error {
  override readonly name = 'BundleError';
}
