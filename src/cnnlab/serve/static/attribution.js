// Why: which parts of the input the top class depends on, by the method chosen.

const CAPTIONS = {
  saliency: "Saliency: the gradient of the top class's score for each input pixel " +
    "(Simonyan et al. 2014).",
  gradcam: "Grad-CAM: the last convolution's maps weighted by their gradients " +
    "(Selvaraju et al. 2017).",
  occlusion: "Occlusion: how much the top class's probability drops when a patch is " +
    "covered (Zeiler and Fergus 2014).",
};

export function chosenMethod(group) {
  return group.querySelector("input:checked").value;
}

// The methods to ask /api/analyse for: occlusion, the slow one, only while it is chosen.
export function methodsFor(chosen) {
  return chosen === "occlusion" ? "saliency,gradcam,occlusion" : "saliency,gradcam";
}

// Shows the chosen overlay; false when the answer does not hold it (ask again).
export function showAttribution(image, caption, attribution, chosen) {
  caption.textContent = CAPTIONS[chosen];
  if (!attribution || !attribution[chosen]) return false;
  image.src = attribution[chosen];
  image.dataset.method = chosen;
  return true;
}
