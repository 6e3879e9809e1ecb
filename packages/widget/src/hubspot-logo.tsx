// A simplified HubSpot sprocket, inline so the row needs no image request and no asset pipeline.
// Decorative: the visible "HubSpot" heading already names the row.
export function HubSpotLogo({ className }: { className?: string | undefined }) {
  return (
    <svg className={className} viewBox="0 0 24 24" width="32" height="32" aria-hidden="true" focusable="false">
      <g fill="none" stroke="#ff7a59" strokeWidth="2.2" strokeLinecap="round">
        <circle cx="15" cy="14.5" r="3.9" />
        <path d="M15 10.6V5.8M12.3 17.3l-5 3.4M11.8 12.3 5.6 7.9" />
      </g>
      <g fill="#ff7a59">
        <circle cx="15" cy="4" r="2.1" />
        <circle cx="4.2" cy="6.8" r="1.9" />
        <circle cx="6" cy="21.3" r="1.5" />
      </g>
    </svg>
  );
}
