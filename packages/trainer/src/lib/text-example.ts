/** One labelled text. Single-label examples have exactly one label; multi-label ones any number, even none. */
export interface TextExample {
  text: string;
  labels: string[];
}
