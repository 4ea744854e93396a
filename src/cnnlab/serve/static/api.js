// The lab's HTTP calls. An image is either a data URL (sent as JSON) or a File (sent as a
// multipart form); options travel as query parameters. A failed call throws an Error whose
// message is the server's {"detail"}.

async function parse(response) {
  const text = await response.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  if (!response.ok) {
    const detail = body && body.detail !== undefined ? body.detail : text.slice(0, 200);
    const words = typeof detail === "string" ? detail : JSON.stringify(detail);
    throw new Error(`${response.status}: ${words || response.statusText}`);
  }
  if (body === null) throw new Error(`the server answered ${response.status} without JSON`);
  return body;
}

function imageRequest(image) {
  if (typeof image === "string") {
    return {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ image }),
    };
  }
  const form = new FormData();
  form.append("image", image, image.name || "image");
  return { method: "POST", body: form };
}

export async function getModel() {
  return parse(await fetch("/api/model"));
}

export async function postImage(path, params, image) {
  const query = new URLSearchParams(params).toString();
  return parse(await fetch(`${path}?${query}`, imageRequest(image)));
}
