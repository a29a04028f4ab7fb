"""Feature maps: what every convolution and pooling layer of the CNN makes of one digit."""

import streamlit as st

from digitlab import activations, charts, ui, visualize
from digitlab.i18n import N_, _, ngettext, percent
from digitlab.model import predict_proba

# Display size of the enlarged channel.
CLOSER_PX = 420

ui.start_page(N_("Feature maps"), N_("Feature maps: what each layer sees"), ":material/layers:")

model, image = ui.require_layers("feature maps", activations.conv_layers)
maps = activations.feature_maps(model, image)
responses = activations.pre_activations(model, image)

st.markdown(
    _(
        "**Convolution.** A convolution layer slides many small learned *filters* (3×3 or 5×5 grids of weights) over "
        "its input. At every position a filter multiplies the pixels under it by its weights and adds them up: the "
        "result is large where the input looks like the filter's pattern. Each filter makes one *feature map* "
        "(one small picture below), so a layer with 32 filters makes 32 maps.  \n"
        "**ReLU** then keeps the positive responses and sets every negative one to zero: dark means *zero, nothing "
        "found here*. **Max pooling** keeps the largest value of each 2×2 block, halving width and height. "
        "Layer by layer the maps get smaller and respond to larger, more abstract parts of the digit."
    )
)

# One row per layer: what it did on the left, its maps (one colour scale per layer) on the right.
for name, activation in maps.items():
    text_column, grid_column = st.columns([1, 3], gap="medium")
    with text_column:
        st.subheader(name)
        st.markdown(_("Output shape **{shape}**").format(shape=activations.describe_shape(activation.shape)))
        if name in responses:
            share = percent(activations.negative_share(responses[name]), 0)
            st.caption(
                _("Convolution + ReLU: ReLU set **{share}** of the responses to zero (the dark areas).").format(
                    share=share
                )
            )
        else:
            source = activations.input_layer_name(model, name)
            st.caption(
                _("Max pooling of {layer}: the largest value of each 2×2 block, half the width and height.").format(
                    layer=source
                )
            )
    with grid_column:
        columns, cell = (8, 96) if activation.shape[-1] <= 32 else (16, 48)
        picture = visualize.channel_grid(activation, *visualize.value_range(activation), columns=columns, cell=cell)
        channels = activation.shape[-1]
        caption = ngettext("{layer}: {n} channel, numbered", "{layer}: {n} channels, numbered", channels)
        st.image(picture, width="stretch", caption=caption.format(layer=name, n=channels))

st.header(_("Look closer at one channel"))
layer_column, channel_column = st.columns(2)
name = layer_column.selectbox(_("Layer"), list(maps), key="closer_layer")
activation = maps[name]
if name in responses:
    default = activations.most_mixed_channel(responses[name])
else:
    default = activations.strongest_channel(activation)
with channel_column:
    channel = ui.channel_slider(_("Channel"), activation.shape[-1], default, key=f"closer_{name}")
before_column, after_column = st.columns(2)
if name in responses:
    response = responses[name][..., channel]
    before, after = visualize.relu_pictures(response, CLOSER_PX)
    before_column.image(
        before,
        caption=_("{layer}, channel {channel}, before ReLU: red positive, blue negative").format(
            layer=name, channel=channel
        ),
    )
    after_column.image(
        after,
        caption=_("After ReLU: the negative (blue) {share} is now zero").format(
            share=percent(activations.negative_share(response), 0)
        ),
    )
else:
    source = activations.input_layer_name(model, name)
    before, after, _bar = visualize.pooling_pictures(maps[source][..., channel], activation[..., channel], CLOSER_PX)
    before_column.image(
        before, caption=_("{layer}, channel {channel}: before pooling").format(layer=source, channel=channel)
    )
    after_column.image(
        after,
        caption=_("{layer}, channel {channel}: after pooling (see the Pooling page)").format(
            layer=name, channel=channel
        ),
    )

st.header(_("From maps to a digit"))
probabilities = predict_proba(model, image[None])[0]
last_maps = activations.describe_shape(maps[next(reversed(maps))].shape)
flat_size = activations.describe_shape(model.get_layer("flatten").output.shape)
st.markdown(
    _(
        "**Flatten** lines up all the numbers of the last maps ({maps} → {numbers} numbers). **Dense layers** "
        "connect every one of those numbers to every neuron: each neuron weighs all the evidence and gives one "
        "score, and the last layer gives one score per digit. **Softmax** turns the ten scores into probabilities "
        "that add up to 100%."
    ).format(maps=last_maps, numbers=flat_size)
)
st.vega_lite_chart(charts.probability_chart(probabilities), width="stretch")
