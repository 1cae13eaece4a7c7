/** "1 message in 1 batch", "250 messages in 3 batches". */
export function planPhrase(recipients: number, batches: number): string {
  return `${recipients} message${recipients === 1 ? '' : 's'} in ${batches} batch${batches === 1 ? '' : 'es'}`;
}
