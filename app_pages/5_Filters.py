"""Filters: the kernels every convolution layer learned, and what they pick out of the drawing."""

import streamlit as st

from digitlab import activations, charts, ui, visualize
from digitlab.i18n import N_, _, ngettext, number

ui.start_page(N_("Filters"), N_("Filters: what the network looks for"), ":material/filter_alt:")

# How many neurons of a dense network's first layer are shown (the most active on the input first).
DENSE_UNITS_SHOWN = 32

model = ui.require_model()
image = ui.network_input()

if not activations.conv_layers(model):
    # A dense network has no filters: each first-layer neuron has one weight per pixel, a 28×28 image.
    layer = activations.first_dense_layer(model)
    weights = activations.dense_weight_images(model, layer)
    responses = activations.dense_activations(model, layer, image)
    st.markdown(
        _(
            "**{model}** has no convolution filters. Each of the {count} neurons of its first layer (`{layer}`) has "
            "**one weight per pixel**: 784 weights, shown here as a 28×28 image. **Red** pixels push the neuron up "
            "when there is ink, **blue** ones push it down. Unlike a 3×3 filter, such a template is tied to one place "
            "in the image: a stroke a few pixels to the side meets other weights."
        ).format(model=ui.selected_model_files().title, count=len(weights), layer=layer)
    )
    units = activations.strongest_units(responses, DENSE_UNITS_SHOWN)
    st.header(_("The {count} neurons of {layer} most active on this input").format(count=len(units), layer=layer))
    st.caption(_("Above each weight image: the neuron's number and its output for the input above (after ReLU)."))
    labels = [f"{unit}: {number(responses[unit], 2)}" for unit in units]
    st.image(visualize.weight_image_grid(weights[units], labels, columns=8, cell=112), width="stretch")
    st.stop()

maps = activations.feature_maps(model, image)
first, *deeper = activations.conv_layers(model)

st.markdown(
    _(
        "A **filter** (or kernel) is a small grid of numbers, its *weights*, that the network learned during "
        "training. Nobody designed them: they started random and were nudged, image after image, towards whatever "
        "helped to recognise digits. In the pictures **red is a positive weight, blue a negative one and white "
        "zero**. Sliding the filter over the image and adding up *pixel × weight* everywhere is a **convolution**: "
        "the response is bright where the image looks like red-on-the-stroke, blue-off-the-stroke."
    )
)

kernels = activations.conv_kernels(model, first)
first_heading = ngettext(
    "First layer ({layer}): {n} filter of {height}×{width} pixels",
    "First layer ({layer}): {n} filters of {height}×{width} pixels",
    kernels.shape[-1],
)
st.header(first_heading.format(layer=first, n=kernels.shape[-1], height=kernels.shape[0], width=kernels.shape[1]))
st.caption(
    _(
        "Each filter (left of a pair) beside its response to the input above, after ReLU (right). Filters with red "
        "along one direction and blue beside it find edges and strokes of that direction."
    )
)
st.image(visualize.kernel_response_grid(kernels, maps[first], columns=4, cell=96), width="stretch")

st.header(_("Deeper layers: filters that combine maps"))
if not deeper:
    st.info(
        _("{model} has a single convolution layer: there are no deeper filters.").format(
            model=ui.selected_model_files().title
        )
    )
    st.stop()
st.markdown(
    _(
        "A deeper filter does not look at pixels but at *all* the maps of the layer before: it has one small slice "
        "per input channel and adds up what every slice finds. So it can respond to combinations, such as a "
        "horizontal stroke above a vertical one. The strength (norm) of each slice shows which earlier maps a filter "
        "listens to."
    )
)
layer_name = st.radio(_("Layer"), deeper, horizontal=True, key="filters_layer")
kernels = activations.conv_kernels(model, layer_name)
layer_caption = ngettext("{layer}: {n} filter, each {shape}", "{layer}: {n} filters, each {shape}", kernels.shape[-1])
st.caption(
    layer_caption.format(layer=layer_name, n=kernels.shape[-1], shape=activations.describe_shape(kernels.shape[:3]))
)

norms_column, heatmap_column = st.columns(2, gap="large")
with norms_column:
    st.markdown(_("**Weight norm of each filter** (how strong its weights are overall)"))
    st.altair_chart(charts.norms_chart(activations.kernel_norms(kernels), _("Weight norm")), width="stretch")
with heatmap_column:
    st.markdown(_("**Slice norms**: how much each filter (row) uses each map of the layer before (column)"))
    st.altair_chart(charts.slice_norms_heatmap(activations.slice_norms(kernels)), width="stretch")

default = activations.strongest_channel(maps[layer_name])
index = ui.channel_slider(_("Filter"), kernels.shape[-1], default, key=f"filter_{layer_name}")
slices_column, response_column = st.columns([3, 1], gap="large")
with slices_column:
    size = f"{kernels.shape[0]}×{kernels.shape[1]}"
    st.markdown(
        _("**Filter {index}**: its {size} slice for each of the {count} input channels").format(
            index=index, size=size, count=kernels.shape[2]
        )
    )
    st.image(visualize.filter_slices(kernels, index, columns=8, cell=60))
with response_column:
    response = maps[layer_name][..., index]
    st.markdown(
        _("**Its response** ({height}×{width}, after ReLU)").format(height=response.shape[0], width=response.shape[1])
    )
    st.image(visualize.map_image(response, *visualize.value_range(response), 260))
