"""Pooling: one feature map before and after max pooling, and the operation worked through with numbers."""

import streamlit as st

from digitlab import activations, ui, visualize
from digitlab.i18n import N_, _

# Display size of both maps, so that pooling's halving shows as bigger pixels, not a smaller picture.
MAP_DISPLAY_PX = 420

ui.start_page(N_("Pooling"), N_("Max pooling: keep the strongest signal"), ":material/grid_view:")

model, image = ui.require_layers("pooling layers", activations.pool_layers)
maps = activations.feature_maps(model, image)

st.markdown(
    _(
        "**Max pooling** cuts a feature map into 2×2 blocks and keeps only the largest number of each block. The "
        "map becomes half as wide and half as high (a quarter of the numbers), but every strong response survives. "
        "That makes the network faster and a little tolerant of where exactly a stroke is: moving it by one pixel "
        "often changes nothing. Pooling has nothing to learn; each channel is pooled on its own."
    )
)

layer_column, channel_column = st.columns(2)
pool_name = layer_column.radio(_("Pooling layer"), activations.pool_layers(model), horizontal=True, key="pool_layer")
source_name = activations.input_layer_name(model, pool_name)
before_maps, after_maps = maps[source_name], maps[pool_name]
with channel_column:
    default = activations.strongest_channel(before_maps)
    channel = ui.channel_slider(_("Channel"), before_maps.shape[-1], default, key=f"pool_channel_{pool_name}")
st.caption(
    _("{layer} pools the output of {source}: {before} → {after}.").format(
        layer=pool_name,
        source=source_name,
        before=activations.describe_shape(before_maps.shape),
        after=activations.describe_shape(after_maps.shape),
    )
)

before, after = before_maps[..., channel], after_maps[..., channel]
example = activations.pooling_example(before)
before_picture, after_picture, bar = visualize.pooling_pictures(before, after, MAP_DISPLAY_PX, example)
before_column, after_column = st.columns(2)
before_column.image(
    before_picture,
    caption=_("Before: {layer}, channel {channel} · {height}×{width}").format(
        layer=source_name, channel=channel, height=before.shape[0], width=before.shape[1]
    ),
)
after_column.image(
    after_picture,
    caption=_("After: {layer}, channel {channel} · {height}×{width}").format(
        layer=pool_name, channel=channel, height=after.shape[0], width=after.shape[1]
    ),
)
# Under the maps, in the middle: a narrow screen, which puts the maps one under the other, has no room beside them.
st.columns([1, 2, 1])[1].image(bar)

st.header(_("Worked example"))
st.markdown(
    _(
        "The 4×4 block outlined in orange above (rows {top}–{bottom}, columns {left}–{right} of the map). Each "
        "coloured 2×2 window keeps its largest number (in orange); the four winners form the 2×2 block outlined in "
        "the pooled map."
    ).format(top=example.top, bottom=example.top + 3, left=example.left, right=example.left + 3)
)
ui.show_pooling_example(example)
