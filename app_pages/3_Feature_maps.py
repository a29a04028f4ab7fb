"""Feature maps: what every convolution and pooling layer of the CNN makes of one digit."""

import streamlit as st

from digitlab import activations, charts, ui, visualize
from digitlab.i18n import N_
from digitlab.model import predict_proba

# Display size of the enlarged channel.
CLOSER_PX = 420

ui.start_page(N_("Feature maps"), N_("Feature maps: what each layer sees"), ":material/layers:")

model, image = ui.require_layers("feature maps", activations.conv_layers)
maps = activations.feature_maps(model, image)
responses = activations.pre_activations(model, image)

st.markdown(
    "**Convolution.** A convolution layer slides many small learned *filters* (3×3 or 5×5 grids of weights) over its "
    "input. At every position a filter multiplies the pixels under it by its weights and adds them up: the "
    "result is large where the input looks like the filter's pattern. Each filter makes one *feature map* "
    "(one small picture below), so a layer with 32 filters makes 32 maps.  \n"
    "**ReLU** then keeps the positive responses and sets every negative one to zero: dark means *zero, nothing "
    "found here*. **Max pooling** keeps the largest value of each 2×2 block, halving width and height. "
    "Layer by layer the maps get smaller and respond to larger, more abstract parts of the digit."
)

# One row per layer: what it did on the left, its maps (one colour scale per layer) on the right.
for name, activation in maps.items():
    text_column, grid_column = st.columns([1, 3], gap="medium")
    with text_column:
        st.subheader(name)
        st.markdown(f"Output shape **{activations.describe_shape(activation.shape)}**")
        if name in responses:
            share = activations.negative_share(responses[name])
            st.caption(f"Convolution + ReLU: ReLU set **{share:.0%}** of the responses to zero (the dark areas).")
        else:
            source = activations.input_layer_name(model, name)
            st.caption(f"Max pooling of {source}: the largest value of each 2×2 block, half the width and height.")
    with grid_column:
        columns, cell = (8, 96) if activation.shape[-1] <= 32 else (16, 48)
        picture = visualize.channel_grid(activation, *visualize.value_range(activation), columns=columns, cell=cell)
        st.image(picture, width="stretch", caption=f"{name}: {activation.shape[-1]} channels, numbered")

st.header("Look closer at one channel")
layer_column, channel_column = st.columns(2)
name = layer_column.selectbox("Layer", list(maps), key="closer_layer")
activation = maps[name]
if name in responses:
    default = activations.most_mixed_channel(responses[name])
else:
    default = activations.strongest_channel(activation)
with channel_column:
    channel = ui.channel_slider("Channel", activation.shape[-1], default, key=f"closer_{name}")
before_column, after_column = st.columns(2)
if name in responses:
    response = responses[name][..., channel]
    before, after = visualize.relu_pictures(response, CLOSER_PX)
    before_column.image(before, caption=f"{name}, channel {channel}, before ReLU: red positive, blue negative")
    after_column.image(
        after, caption=f"After ReLU: the negative (blue) {activations.negative_share(response):.0%} is now zero"
    )
else:
    source = activations.input_layer_name(model, name)
    before, after, _bar = visualize.pooling_pictures(maps[source][..., channel], activation[..., channel], CLOSER_PX)
    before_column.image(before, caption=f"{source}, channel {channel}: before pooling")
    after_column.image(after, caption=f"{name}, channel {channel}: after pooling (see the Pooling page)")

st.header("From maps to a digit")
probabilities = predict_proba(model, image[None])[0]
last_maps = activations.describe_shape(maps[next(reversed(maps))].shape)
flat_size = activations.describe_shape(model.get_layer("flatten").output.shape)
st.markdown(
    f"**Flatten** lines up all the numbers of the last maps ({last_maps} → "
    f"{flat_size} numbers). **Dense layers** connect every one of those numbers to every neuron: each neuron "
    "weighs all the evidence and gives one score, and the last layer gives one score per digit. **Softmax** turns "
    "the ten scores into probabilities that add up to 100%."
)
st.vega_lite_chart(charts.probability_chart(probabilities), width="stretch")
