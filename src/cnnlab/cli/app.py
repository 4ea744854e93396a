"""The ``cnnlab`` command table: each command's name, module and one-line help.

A command module registers its command as before (``@app.command("models")`` on ``app``,
or ``@viz_app.command("saliency")`` on its group's Typer); adding it to the command line is
one row here. Only the module of the command that runs is imported, so ``cnnlab --help``
lists everything without loading torch.
"""

import typer

from cnnlab.cli.lazy import Command, Group

app = typer.Typer(name="cnnlab", add_completion=False, pretty_exceptions_enable=False)

HELP = "A workbench for convolutional neural networks."

COMMANDS: dict[str, Command | Group] = {
    "models": Command("cnnlab.cli.models", "List the registered models."),
    "summary": Command(
        "cnnlab.cli.summary",
        "Per-layer output shapes, parameters and MACs, then totals and memory.",
    ),
    "receptive": Command(
        "cnnlab.cli.summary", "Receptive field, jump and start of every layer, in input pixels."
    ),
    "train": Command(
        "cnnlab.cli.train",
        "Train MODEL and write a run folder (config, metrics, checkpoints, TensorBoard, plots).",
    ),
    "eval": Command(
        "cnnlab.cli.evaluate",
        "Print loss, top-1/top-5 accuracy and the confusion matrix; write its plot.",
    ),
    "predict": Command(
        "cnnlab.cli.predict",
        "Print each image's most probable classes (or a split's accuracy, as `cnnlab eval`).",
    ),
    "export": Command(
        "cnnlab.cli.export",
        "Write the model, run the file against PyTorch on the test split and print the "
        "difference; the model card and the verification go to FILE.json.",
    ),
    "weights": Command(
        "cnnlab.cli.weights",
        "List the shipped weights (use each as MODEL, or with --pretrained): model, data, "
        "test accuracy, file size, sha256, and the commands that trained and exported them; "
        "then the published ImageNet weights, downloaded on first use.",
    ),
    "compare": Command(
        "cnnlab.cli.compare",
        "Compare runs: learning curves overlaid, final accuracy, parameters, MACs and time; "
        "each run is labelled by the config fields that differ (lr=0.1 against lr=0.001).",
    ),
    "ensemble": Command(
        "cnnlab.cli.ensemble",
        "Average the runs' softmax outputs on the test split; print each member's accuracy "
        "and the ensemble's (Ciresan et al., 2012: a committee of networks).",
    ),
    "tune": Command(
        "cnnlab.cli.tune",
        "Search hyper-parameters; every trial is a run folder, and rerunning resumes.",
    ),
    "attack": Command(
        "cnnlab.cli.attack",
        "Robust accuracy per eps under FGSM or PGD, with sanity checks; JSON, curve, examples.",
    ),
    "serve": Command(
        "cnnlab.cli.serve",
        "Serve the web lab: draw or upload an image, see the top classes, every layer's "
        "activations, a unit's arithmetic, attributions and attacks, in the browser.",
    ),
    "report": Command(
        "cnnlab.cli.report",
        "Summary, learning curves, confusion matrix, filters, mistakes, layers and "
        "configuration on one page, images embedded, no network needed to view it.",
    ),
    "doctor": Command(
        "cnnlab.cli.doctor",
        "Run the babysitting checklist (Karpathy, CS231n notes) on a fresh MODEL and its data: "
        "initial loss, regularisation, overfitting 20 examples, learning rate, hidden units, "
        "backprop.",
    ),
    "classic": Command(
        "cnnlab.cli.classic",
        "Nearest neighbours, SVMs or softmax on pixels or a run's features: the knobs chosen "
        "by cross-validation on the training split, then the test accuracy.",
    ),
    "scratch": Command(
        "cnnlab.cli.scratch",
        "Train a network written in NumPy (explicit forward and backward passes), printing "
        "the loss and the validation accuracy per epoch and the test accuracy at the end.",
    ),
    "explain": Group(
        "cnnlab.cli.explain:explain_app",
        "The lectures' worked maths (layer sizes, parameters, the Toeplitz matrix...) with "
        "your numbers.",
        {
            name: Command("cnnlab.cli.explain", help)
            for name, help in {
                "conv": "Output size (W - F + 2P)/S + 1, parameters, MACs and memory of a "
                "convolution.",
                "pool": "Output size and memory of a pooling layer (no parameters).",
                "toeplitz": "A convolution as a matrix product: the convolution matrix, v(x) and "
                "the result.",
                "receptive": "Receptive field of stacked convolutions; small stacked filters "
                "against one large.",
                "fc-to-conv": "A fully connected layer as a convolution with the same parameters.",
                "locally-connected": "Parameters of fully connected, locally connected and "
                "convolutional layers.",
                "tf-padding": "TensorFlow's VALID and SAME padding along one axis.",
                "inception": "Multiply-adds of the naive Inception module and of the one with "
                "1x1 reductions.",
                "backprop": "One sigmoid unit with squared error: forward, delta rule, update, "
                "checked by autograd.",
            }.items()
        },
    ),
    "data": Group(
        "cnnlab.cli.data:data_app",
        "Datasets: list, download, look at.",
        {
            "list": Command(
                "cnnlab.cli.data_catalogue",
                "The datasets cnnlab knows: image shape, classes, split sizes, and whether "
                "they are here.",
            ),
            "get": Command(
                "cnnlab.cli.data_catalogue",
                "Download a dataset's files into the data folder and verify their checksums.",
            ),
            "show": Command(
                "cnnlab.cli.data_show",
                "Draw a grid: each row an image of NAME, its original then augmented copies.",
            ),
        },
    ),
    "inspect": Group(
        "cnnlab.cli.inspect:inspect_app",
        "Look at a model's numbers while it trains.",
        {
            "activations": Command(
                "cnnlab.cli.inspect_commands",
                "Mean, std, zero/dead and saturated fractions of every layer's output for one "
                "batch.",
            ),
            "gradients": Command(
                "cnnlab.cli.inspect_commands",
                "Per-layer gradient RMS (flags vanishing/exploding) and per-parameter gradient "
                "ratios.",
            ),
            "gradcheck": Command(
                "cnnlab.cli.inspect_commands",
                "Compare backprop with centred finite differences in float64 on a small random "
                "input.",
            ),
            "lr-find": Command(
                "cnnlab.cli.inspect_commands",
                "LR range test: loss against an exponentially growing learning rate, on a copy "
                "of the model; suggests the rate of steepest descent.",
            ),
            "init-table": Command(
                "cnnlab.cli.inspect_commands",
                "The initialisation experiment (Glorot and Bengio, 2010): activation mean and "
                "std per layer of a deep tanh/ReLU net for small random N(0, 0.01), Xavier and "
                "He weights.",
            ),
        },
    ),
    "viz": Group(
        "cnnlab.cli.viz:viz_app",
        "Visualise a trained run: each command writes a PNG.",
        {
            "filters": Command(
                "cnnlab.cli.viz_inside",
                "The filters of a convolution layer: colour images for RGB input, else per "
                "input channel.",
            ),
            "activations": Command(
                "cnnlab.cli.viz_inside", "The feature maps of one layer for one image."
            ),
            "top-patches": Command(
                "cnnlab.cli.viz_inside",
                "The dataset patches, cropped to the receptive field, that excite one unit most.",
            ),
            "mistakes": Command(
                "cnnlab.cli.viz_inside",
                "The most confidently wrong images of a split, and its confusion matrix beside "
                "them.",
            ),
            "saliency": Command(
                "cnnlab.cli.viz_attribution",
                "Gradient of the class score with respect to each pixel (Simonyan et al., 2014).",
            ),
            "occlusion": Command(
                "cnnlab.cli.viz_attribution",
                "The class probability as a grey square slides over the image (Zeiler and Fergus).",
            ),
            "gradcam": Command(
                "cnnlab.cli.viz_attribution",
                "Grad-CAM: a layer's maps weighted by their mean gradient (Selvaraju et al., "
                "2017).",
            ),
            "class-model": Command(
                "cnnlab.cli.viz_synthesis",
                "An input that maximises a class score, with L2, jitter and blur regularisation.",
            ),
            "max-response": Command(
                "cnnlab.cli.viz_synthesis",
                "The input that maximises ||h_{l,d}(x)||^2, by gradient ascent from U[0,1] noise.",
            ),
            "deepdream": Command(
                "cnnlab.cli.viz_synthesis",
                "DeepDream: enhance a layer's activation on a photograph at several scales.",
            ),
            "adversarial": Command(
                "cnnlab.cli.viz_synthesis",
                "Fast gradient sign: a perturbation too small to see that changes the prediction.",
            ),
            "classmap": Command(
                "cnnlab.cli.viz_classmap",
                "Class scores of every training-size window of a larger image, in one pass of "
                "the convolutionized network, and the best class per window.",
            ),
            "boxes": Command(
                "cnnlab.cli.viz_boxes",
                "A localisation run's predicted boxes (magenta) against the true ones (green), "
                "with classes and IoU; a multi-digit run's readings over its digits' boxes.",
            ),
            "fooling": Command(
                "cnnlab.cli.viz_synthesis",
                "A noise image the network calls a chosen class with high confidence.",
            ),
        },
    ),
}
