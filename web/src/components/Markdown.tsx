// Markdown from requesters and agents, rendered safely: react-markdown builds React
// elements (never innerHTML), raw HTML in the text is dropped rather than rendered,
// the default URL filter removes `javascript:` and similar links, and links open in a
// new tab without giving the target page a handle on this one or lending it our rank.
import ReactMarkdown, { type Components } from "react-markdown";
import { Typography } from "@mantine/core";

const components: Components = {
  a: ({ node: _node, ...props }) => <a {...props} target="_blank" rel="noopener noreferrer nofollow" />,
  // Pictures from a stranger's text would load from their server as soon as an agent
  // opens the ticket (tracking pixels); show them as links instead.
  img: ({ src, alt }) =>
    typeof src === "string" ? (
      <a href={src} target="_blank" rel="noopener noreferrer nofollow">
        {alt || src}
      </a>
    ) : null,
};

export function Markdown({ children }: { children: string }) {
  return (
    <Typography fz="sm" style={{ overflowWrap: "anywhere" }}>
      <ReactMarkdown skipHtml components={components}>
        {children}
      </ReactMarkdown>
    </Typography>
  );
}
