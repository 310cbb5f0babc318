/**
 * An error the protocol layer can hand straight to a client: `errorCode` is a Kafka error code.
 * It lives in its own module so the partition and manager modules can both throw it without an
 * import cycle; log-manager.ts re-exports it as part of the public storage API.
 */
export class StorageError extends Error {
  constructor(
    message: string,
    readonly errorCode: number,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}
