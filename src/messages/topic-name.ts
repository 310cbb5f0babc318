export type TopicNameIssue = 'required' | 'too_long' | 'chars' | 'dots';

export const MAX_TOPIC_LENGTH = 249;
const LEGAL = /^[a-zA-Z0-9._-]+$/;

/**
 * Kafka's own topic-name rule (`Topic.validate` in the Java client): legal characters only,
 * 1-249 long, and not "." or ".." (those would be directory names on the broker's disk).
 */
export function topicNameIssue(name: string): TopicNameIssue | undefined {
  if (name.length === 0) return 'required';
  if (name.length > MAX_TOPIC_LENGTH) return 'too_long';
  if (!LEGAL.test(name)) return 'chars';
  if (name === '.' || name === '..') return 'dots';
  return undefined;
}

export const TOPIC_ISSUE_TEXT: Record<TopicNameIssue, string> = {
  required: 'is required',
  too_long: `must be at most ${MAX_TOPIC_LENGTH} characters`,
  chars: 'may only contain letters, digits, ".", "_" and "-"',
  dots: 'cannot be "." or ".."',
};
